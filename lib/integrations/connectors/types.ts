/**
 * What Rampart asks of a campaign's remote system (NGP VAN / EveryAction, PDI, Salsa Engage): check a key, list the
 * codes an outcome can be mapped to, and record an outcome on a person the remote system already knows. There is no
 * call that creates a person: a contact without an external id is never sent.
 */

export const integrationSystems = ["van", "pdi", "salsa"] as const;
export type IntegrationSystem = (typeof integrationSystems)[number];

/** One code of the remote system (activist code, result code, contact type, segment…). */
export type RemoteCode = { id: string; name: string };
export type RemoteQuestion = RemoteCode & { responses: RemoteCode[] };

/** The codes an admin maps Rampart's outcomes and survey answers to. Empty lists where a system has no such code. */
export type RemoteCodes = {
  activistCodes: RemoteCode[];
  surveyQuestions: RemoteQuestion[];
  resultCodes: RemoteCode[];
  contactTypes: RemoteCode[];
};

/**
 * A completed report translated through the campaign's mapping: either a result code (the person was not reached)
 * or the responses to apply. Only ids of the remote system's codes, never a personal value.
 */
export type RemoteOutcome = {
  contactedAt: Date;
  contactTypeId?: string;
  resultCodeId?: string;
  activistCodeIds: string[];
  surveyResponses: { questionId: string; responseId: string }[];
};

export type Connector = {
  system: IntegrationSystem;
  /** Succeeds when the credentials open the account; throws a typed IntegrationError otherwise. */
  verify(): Promise<void>;
  listCodes(): Promise<RemoteCodes>;
  /** Records the outcome on the person with this external id; RemoteNotFoundError when the system has no such person. */
  pushOutcome(externalId: string, outcome: RemoteOutcome): Promise<void>;
};
