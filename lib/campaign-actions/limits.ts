/** Limits the form shows and the schema enforces (no server imports: the client form reads them too). */
export const ACTION_TITLE_MAX = 120;
export const ACTION_INSTRUCTIONS_MAX = 10_000;
