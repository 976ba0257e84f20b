import "server-only";
import type { ZodType } from "zod";
import type { RemoteClientOptions } from "./http";
import { pdiConnector, pdiCredentialsSchema, PDI_DEFAULT_BASE_URL } from "./pdi";
import { salsaConnector, salsaCredentialsSchema, SALSA_DEFAULT_BASE_URL } from "./salsa";
import type { Connector, IntegrationSystem } from "./types";
import { vanConnector, vanCredentialsSchema, VAN_DEFAULT_BASE_URL } from "./van";

export * from "./errors";
export * from "./types";
export { ConcurrencyLimiter, limiterFor } from "./http";

type ConnectorOptions = Omit<RemoteClientOptions, "system" | "headers" | "baseUrl"> & { baseUrl?: string };

/** Each system: its name for people, the credentials it needs (validated), its default base URL and its connector. */
export const systems: { [S in IntegrationSystem]: { label: string; credentials: ZodType; defaultBaseUrl: string; connect(credentials: unknown, options?: ConnectorOptions): Connector } } = {
  van: { label: "NGP VAN / EveryAction", credentials: vanCredentialsSchema, defaultBaseUrl: VAN_DEFAULT_BASE_URL, connect: (c, o) => vanConnector(vanCredentialsSchema.parse(c), o) },
  pdi: { label: "PDI", credentials: pdiCredentialsSchema, defaultBaseUrl: PDI_DEFAULT_BASE_URL, connect: (c, o) => pdiConnector(pdiCredentialsSchema.parse(c), o) },
  salsa: { label: "Salsa Engage", credentials: salsaCredentialsSchema, defaultBaseUrl: SALSA_DEFAULT_BASE_URL, connect: (c, o) => salsaConnector(salsaCredentialsSchema.parse(c), o) },
};
