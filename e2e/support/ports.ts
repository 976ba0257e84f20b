/** Ports of the e2e run: the app (E2E_PORT) and the loopback NGP VAN that e2e/integrations.spec.ts starts for it. */
export const e2ePort = Number(process.env.E2E_PORT ?? 3100);
export const e2eVanPort = Number(process.env.E2E_VAN_PORT ?? e2ePort + 97);
