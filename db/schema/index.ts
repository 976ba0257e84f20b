export * from "./accounts";
export * from "./organizations";
export * from "./privacy";
export * from "./system";
export * from "./auth";
export * from "./audit";
export * from "./crypto";
export * from "./jobs";
