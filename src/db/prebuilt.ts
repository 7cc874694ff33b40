import { fillPlaceholders, sql } from 'drizzle-orm';
import type { Db } from './client';

/**
 * A statement whose SQL drizzle builds once per database handle, with `sql.placeholder()`s, and
 * binds per call. drizzle builds a query's SQL afresh each time it runs (≈ 0.1 ms for the sync's
 * account read); its prepared statements would not, but `db.batch` takes only query builders. So
 * the builder returned here is the original one, whose `_prepare` (what `db.batch` calls) and
 * run/all/get/values (what `await` calls) use the prepared statement with its placeholders filled
 * in: drizzle still maps the rows. test/db/prebuilt.test.ts holds it to the same SQL and the same results as building afresh.
 */
export function prebuilt<Q extends Preparable, V extends Record<string, unknown>>(
  build: (db: Db) => Q,
): (db: Db, values: V) => Q {
  const cache = new WeakMap<Db, { query: Q; prepared: Prepared }>();
  return (db, values) => {
    let built = cache.get(db);
    if (!built) {
      const query = build(db);
      built = { query, prepared: query.prepare() };
      cache.set(db, built);
    }
    const { sql: text, params } = built.prepared.getQuery();
    // The prepared statement with this call's values: everything else (its row mapping) is shared.
    const bound: Bound = Object.create(built.prepared, {
      query: { value: { sql: text, params: fillPlaceholders(params, values) } },
    });
    // drizzle's builders bind run/all/get/values to themselves (arrow fields): each is redirected too.
    const runs = Object.fromEntries(
      (['run', 'all', 'get', 'values'] as const).map((m) => [m, { value: () => bound[m]() }]),
    );
    return Object.create(built.query, { _prepare: { value: () => bound }, ...runs }) as Q;
  };
}

/** A placeholder where drizzle wants SQL rather than a value (in `.set()`, in a raw sql`` fragment). */
export const placeholder = (name: string) => sql`${sql.placeholder(name)}`;

/** A prepared statement's run/all/get/values, taking no placeholder values once bound. */
type Bound = Prepared & Record<'run' | 'all' | 'get' | 'values', () => unknown>;

interface Prepared {
  getQuery(): { sql: string; params: unknown[] };
}

interface Preparable {
  prepare(): Prepared;
}
