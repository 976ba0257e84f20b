import type { JobHandler } from "@/lib/jobs/runner";

/** A handler that runs `handler` and calls `then` right after its `n`th committed step (a crash, a cancel, a kill). */
export function afterSteps(handler: JobHandler, n: number, then: () => unknown): JobHandler {
  let steps = 0;
  return (job, ctx) =>
    handler(job, {
      ...ctx,
      step: async (fn) => {
        const result = await ctx.step(fn);
        if (++steps === n) await then();
        return result;
      },
    });
}
