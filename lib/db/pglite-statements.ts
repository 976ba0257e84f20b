import type { PGlite, QueryOptions, Results, Transaction, parse as PgliteParse, protocol as PgliteProtocol } from "@electric-sql/pglite";

/**
 * Named prepared statements for PGlite, kept per statement text.
 *
 * PGlite's `query()` sends every statement as an unnamed one in six protocol calls (parse, describe, bind, describe,
 * execute, sync): the server parses, analyses, rewrites (row-level security's policies are added here) and plans the
 * text each time. For the short statements of a request that is most of their cost: in a tenant transaction the
 * activity feed's page cost ≈1.1 ms of which planning and execution were ≈0.6 ms. Here a text is parsed once under a
 * name (parse, describe, sync: one call) and every use is bind, execute, sync in one call; PostgreSQL's plan cache
 * keeps the plan and re-plans by its own rules (a schema change, or a role or row-security setting other than the one
 * the plan was made for: a policy is never skipped because a plan was kept).
 *
 * - Statements are kept least recently used first, at most `max`; an evicted one is closed with the next parse.
 * - A statement whose cached plan no longer fits (its result's columns changed under it, SQLSTATE 0A000) is dropped
 *   and prepared again once.
 * - Errors are PGlite's own (DatabaseError with the SQLSTATE); unlike PGlite's they carry no copy of the query's
 *   text or parameters, which could hold personal data and end up in a log.
 * - Options this path does not handle (a COPY's blob, given parameter types) take PGlite's own path.
 * - Like PGlite's `query()`: outside a transaction a call waits for the connection's transaction lock; inside one
 *   (the transaction object's `query`) it runs under the query lock only.
 */
export type StatementStats = { kept: number; prepared: number; reused: number; evicted: number };

type Kept = { name: string; types: number[]; rows: unknown | undefined };
type Pglite = { protocol: typeof PgliteProtocol; parse: typeof PgliteParse };
type Internals = {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  serializers: Record<number, (value: unknown) => string>;
  parsers: Parameters<typeof PgliteParse.parseResults>[1];
};

const PLAN_NO_LONGER_FITS = "0A000";

export function keepStatements(client: PGlite, pglite: Pglite, options: { max?: number } = {}): () => StatementStats {
  const max = Math.max(1, options.max ?? 256);
  const serialize = pglite.protocol.serialize;
  const inner = client as unknown as Internals;
  const kept = new Map<string, Kept>();
  const closing: string[] = [];
  const stats = { prepared: 0, reused: 0, evicted: 0 };
  let counter = 0;

  const prepare = async (text: string): Promise<Kept> => {
    const name = `rampart_${++counter}`;
    const closes = closing.splice(0).map((old) => serialize.close({ type: "S", name: old }));
    const { messages } = await client.execProtocol(Buffer.concat([...closes, serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]), {
      syncToFs: false,
    });
    const statement = { name, types: pglite.parse.parseDescribeStatementResults(messages), rows: messages.find((m) => m.name === "rowDescription") };
    kept.set(text, statement);
    stats.prepared++;
    if (kept.size > max) {
      const [oldest, old] = kept.entries().next().value as [string, Kept];
      kept.delete(oldest);
      closing.push(old.name);
      stats.evicted++;
    }
    return statement;
  };

  const run = async <T>(text: string, params: unknown[], queryOptions: QueryOptions | undefined, again = true): Promise<Results<T>> => {
    let statement = kept.get(text);
    if (statement) {
      kept.delete(text);
      kept.set(text, statement);
      stats.reused++;
    } else {
      statement = await prepare(text);
    }
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = statement.types[i]!;
      const serializer = queryOptions?.serializers?.[type] ?? inner.serializers[type];
      return serializer ? serializer(value) : String(value);
    });
    let messages;
    try {
      ({ messages } = await client.execProtocol(Buffer.concat([serialize.bind({ statement: statement.name, values }), serialize.execute({}), serialize.sync()]), { syncToFs: false }));
    } catch (err) {
      if (again && (err as { code?: string }).code === PLAN_NO_LONGER_FITS && kept.get(text) === statement) {
        kept.delete(text);
        closing.push(statement.name);
        if (!client.isInTransaction()) return run(text, params, queryOptions, false);
      }
      throw err;
    }
    if (!client.isInTransaction()) await client.syncToFs();
    const [result] = pglite.parse.parseResults(statement.rows ? [statement.rows as (typeof messages)[number], ...messages] : messages, inner.parsers, queryOptions);
    return result as Results<T>;
  };

  const ownPath = (queryOptions?: QueryOptions) => !!queryOptions?.blob || !!queryOptions?.paramTypes;

  const query = client.query.bind(client);
  client.query = async <T>(text: string, params: unknown[] = [], queryOptions?: QueryOptions): Promise<Results<T>> => {
    if (ownPath(queryOptions)) return query<T>(text, params, queryOptions);
    await inner._checkReady();
    return inner._runExclusiveTransaction(() => client.runExclusive(() => run<T>(text, params, queryOptions)));
  };

  const transaction = client.transaction.bind(client);
  client.transaction = <T>(body: (tx: Transaction) => Promise<T>): Promise<T> =>
    transaction((tx) => {
      const own = tx.query.bind(tx);
      tx.query = async <R>(text: string, params: unknown[] = [], queryOptions?: QueryOptions): Promise<Results<R>> => {
        // A closed transaction, or options this path leaves to PGlite: PGlite's own path (and its error).
        if (tx.closed || ownPath(queryOptions)) return own<R>(text, params, queryOptions);
        return client.runExclusive(() => run<R>(text, params, queryOptions));
      };
      return body(tx);
    });

  return () => ({ kept: kept.size, ...stats });
}
