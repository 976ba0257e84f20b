import "server-only";

export { enqueueJob, getJob, latestJob } from "./queue";
export type { EnqueueOptions } from "./queue";
export { JobInterruptedError, LeaseLostError, runJobsUntilIdle, runNextJob, startJobRunner } from "./runner";
export type { JobContext, JobHandler, RunOutcome, RunnerOptions, RunningJob, StepResult } from "./runner";
