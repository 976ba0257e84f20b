"use client";

/** Shows no error text: only the digest, which matches the server log without revealing anything. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-md py-16 text-center">
      <h1 className="text-2xl font-bold">Something went wrong</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        The problem was on our side and has been logged. Nothing you entered was lost on the server.
      </p>
      {error.digest && <p className="mt-2 font-mono text-xs text-slate-500">Reference: {error.digest}</p>}
      <button type="button" onClick={reset} className="mt-6 rounded-md border border-slate-300 px-4 py-2 font-semibold">
        Try again
      </button>
    </div>
  );
}
