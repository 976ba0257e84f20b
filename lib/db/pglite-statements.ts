import type { PGlite, QueryOptions, Results, Transaction, parse as PgliteParse, protocol as PgliteProtocol } from "@electric-sql/pglite";

/**
 * Named prepared statements for PGlite, kept per statement text.
 *
 * PGlite's `query()` sends every statement as an unnamed one in six protocol calls (parse, describe, bind, describe,
 * execute, sync): the server parses, analyses, rewrites (row-level security's policies are added here) and plans the
 * text each time. For the short statements of a request that is most of their cost: in a tenant transaction the
 * activity feed's page cost ≈1.1 ms of which planning and execution were ≈0.6 ms. Here a text is parsed once under a
 * name (parse, describe, sync: one call) and every use is bind, execute, sync in one call. PostgreSQL's plan cache
 * keeps the parsed and rewritten statement and rewrites again by its own rules (a schema change, or a role or
 * row-security setting other than the one it was rewritten for: a policy is never skipped because a statement was kept).
 *
 * - PostgreSQL may run a statement with scalar parameters on one generic plan (its own choice after five runs, when
 *   the generic plan costs no more than the custom ones): that is most of the gain for a statement under policies.
 *   A statement with an array, json or jsonb parameter, or with many parameters, is planned for its values on every
 *   execution (`plan_cache_mode = force_custom_plan` around it, in the same protocol call): a generic plan cannot
 *   know that an array holds a thousand values or a jsonb parameter a thousand rows, and slowed a 50,000-row import
 *   from ≈5,700 to ≈900 rows/s. A type created after start counts as such a type.
 * - Statements are kept least recently used first, at most `max`; an evicted one is closed with the next parse.
 * - A statement whose cached plan no longer fits (its result's columns changed under it, SQLSTATE 0A000) is dropped;
 *   outside a transaction it is prepared again and run once more, inside one the error ends the transaction.
 * - Errors are PGlite's own (DatabaseError with the SQLSTATE); unlike PGlite's they carry no copy of the query's
 *   text or parameters, which could hold personal data and end up in a log.
 * - Options this path does not handle (a COPY's blob, given parameter types) take PGlite's own path.
 * - Like PGlite's `query()`: outside a transaction a call waits for the connection's transaction lock; inside one
 *   (the transaction object's `query`) it runs under the query lock only.
 */
export type StatementStats = { kept: number; prepared: number; reused: number; evicted: number; planned: number };

type Message = Parameters<typeof PgliteParse.parseResults>[0][number];
type Kept = { name: string; types: number[]; rows: Message | undefined; custom: boolean };
type Pglite = { protocol: typeof PgliteProtocol; parse: typeof PgliteParse };
type Internals = {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  serializers: Record<number, (value: unknown) => string>;
  parsers: Parameters<typeof PgliteParse.parseResults>[1];
};

const PLAN_NO_LONGER_FITS = "0A000";
/** More parameters than this (a multi-row VALUES): planned for its values every time. */
const GENERIC_AT_MOST = 32;
const CUSTOM = "rampart_custom_plans";
const AUTO = "rampart_auto_plans";

export async function keepStatements(client: PGlite, pglite: Pglite, options: { max?: number } = {}): Promise<() => StatementStats> {
  const max = Math.max(1, options.max ?? 256);
  const serialize = pglite.protocol.serialize;
  // Scalar types known now (base, enum and domain types other than json and jsonb).
  const { rows: scalarRows } = await client.query<{ oid: number }>(
    "select oid::int as oid from pg_type where typcategory <> 'A' and typtype in ('b', 'e', 'd') and oid not in ('json'::regtype, 'jsonb'::regtype)",
  );
  const scalars = new Set(scalarRows.map((r) => r.oid));
  await client.execProtocol(
    Buffer.concat([
      serialize.parse({ name: CUSTOM, text: "SET plan_cache_mode = force_custom_plan" }),
      serialize.parse({ name: AUTO, text: "SET plan_cache_mode = auto" }),
      serialize.sync(),
    ]),
    { syncToFs: false },
  );
  const inner = client as unknown as Internals;
  const kept = new Map<string, Kept>();
  const closing: string[] = [];
  const stats = { prepared: 0, reused: 0, evicted: 0, planned: 0 };
  let counter = 0;

  const prepare = async (text: string): Promise<Kept> => {
    const name = `rampart_${++counter}`;
    const closes = closing.splice(0).map((old) => serialize.close({ type: "S", name: old }));
    const { messages } = await client.execProtocol(Buffer.concat([...closes, serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]), {
      syncToFs: false,
    });
    const types = pglite.parse.parseDescribeStatementResults(messages);
    const custom = types.length > GENERIC_AT_MOST || types.some((type) => !scalars.has(type));
    const statement = { name, types, rows: messages.find((m) => m.name === "rowDescription"), custom };
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
    const execute = [serialize.bind({ statement: statement.name, values }), serialize.execute({})];
    // Force custom plans for this one statement. On an error the rest is skipped and the SET is rolled back with
    // the (implicit or explicit) transaction, so the setting is auto again either way.
    const message = statement.custom
      ? [serialize.bind({ statement: CUSTOM }), serialize.execute({}), ...execute, serialize.bind({ statement: AUTO }), serialize.execute({}), serialize.sync()]
      : [...execute, serialize.sync()];
    let messages;
    try {
      ({ messages } = await client.execProtocol(Buffer.concat(message), { syncToFs: false }));
    } catch (err) {
      if (again && (err as { code?: string }).code === PLAN_NO_LONGER_FITS && kept.get(text) === statement) {
        kept.delete(text);
        closing.push(statement.name);
        if (!client.isInTransaction()) return run(text, params, queryOptions, false);
      }
      throw err;
    }
    if (!client.isInTransaction()) await client.syncToFs();
    if (statement.custom) {
      // The statement's own messages: between the first SET's completion and its own.
      const set = messages.findIndex((m) => m.name === "commandComplete");
      const own = messages.findIndex((m, i) => i > set && m.name === "commandComplete");
      messages = messages.slice(set + 1, own + 1);
      stats.planned++;
    }
    const [result] = pglite.parse.parseResults(statement.rows ? [statement.rows, ...messages] : messages, inner.parsers, queryOptions);
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
