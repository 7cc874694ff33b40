import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, LibsqlError, type Client } from '@libsql/client/web';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDb, openNodeDb } from '../../src/db/node';
import { openWebDb } from '../../src/db/web';
import { accounts, gmailConnections } from '../../src/db/schema';
import { serveHranaFake, type HranaFake } from '../../src/sandbox/fakes/hrana';

/**
 * The libSQL-over-HTTP fake (src/sandbox/fakes/hrana.ts), driven by the client the Worker uses
 * (@libsql/client/web, through drizzle as src/db/web.ts builds it) and, for what the client never
 * sends wrong, by hand against the wire format of docs/HTTP_V2_SPEC.md and docs/HRANA_3_SPEC.md.
 */
const TOKEN = 'test-hrana-token-0123456789';
let dir: string;
let url: string;
let fake: HranaFake;
let close: () => Promise<void>;
let client: Client;

const pipeline = (body: unknown, opts: { version?: 'v2' | 'v3'; token?: string | null; path?: string } = {}) =>
  fetch(`${url}${opts.path ?? ''}/${opts.version ?? 'v2'}/pipeline`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? TOKEN}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const exec = (sql: string, args: unknown[] = []) => ({ type: 'execute', stmt: { sql, args } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'draftline-hrana-'));
  const path = join(dir, 'db.sqlite');
  const node = openNodeDb(`file:${path}`);
  await migrateDb(node.db);
  node.client.close();
  ({ url, fake, close } = await serveHranaFake({ path, authTokens: { app: TOKEN }, streamIdleMs: 300 }));
  client = createClient({ url, authToken: TOKEN });
  await client.execute('CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL, data BLOB, n INTEGER)');
});

afterAll(async () => {
  client?.close();
  await close?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('Hrana over HTTP fake, through @libsql/client/web', () => {
  it('executes statements with every value type, decltypes, affected rows and rowids', async () => {
    const blob = new Uint8Array([0, 1, 2, 250, 255]);
    const inserted = await client.execute({
      sql: 'INSERT INTO kv (name, score, data, n) VALUES (?, ?, ?, ?)',
      args: ['alpha', 1.5, blob, 9007199254740993n],
    });
    expect(inserted.rowsAffected).toBe(1);
    expect(inserted.lastInsertRowid).toBe(1n);

    const rs = await client.execute({
      sql: 'SELECT id, name, score, data, NULL AS none_here, 1 + 1 AS two FROM kv WHERE name = :name',
      args: { name: 'alpha' },
    });
    expect(rs.columns).toEqual(['id', 'name', 'score', 'data', 'none_here', 'two']);
    expect(rs.columnTypes).toEqual(['INTEGER', 'TEXT', 'REAL', 'BLOB', '', '']);
    const row = rs.rows[0]!;
    expect(row.id).toBe(1);
    expect(row.name).toBe('alpha');
    expect(row.score).toBe(1.5);
    expect(new Uint8Array(row.data as ArrayBuffer)).toEqual(blob);
    expect(row.none_here).toBeNull();
    expect(rs.rowsAffected).toBe(0);

    // Integers beyond 2^53 survive as strings on the wire (§"Values").
    const bigints = createClient({ url, authToken: TOKEN, intMode: 'bigint' });
    const big = await bigints.execute('SELECT n FROM kv WHERE id = 1');
    bigints.close();
    expect(big.rows[0]!.n).toBe(9007199254740993n);
    expect(big.columnTypes).toEqual(['INTEGER']);

    const returning = await client.execute({
      sql: 'UPDATE kv SET score = score * 2 WHERE id = ? RETURNING score',
      args: [1],
    });
    expect(returning.rows[0]!.score).toBe(3);
    expect(returning.rowsAffected).toBe(1);
  });

  it('speaks the wire format of the spec: integers as strings, blobs as base64, cols with decltype', async () => {
    const res = await pipeline({
      baton: null,
      requests: [
        exec("SELECT 42 AS i, 2.5 AS f, 'x' AS t, x'0102' AS b, NULL AS z, name FROM kv WHERE id = 1"),
        { type: 'close' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await res.json();
    expect(body.baton).toBeNull();
    expect(body.base_url).toBeNull();
    const result = body.results[0].response.result;
    expect(result.rows[0]).toEqual([
      { type: 'integer', value: '42' },
      { type: 'float', value: 2.5 },
      { type: 'text', value: 'x' },
      { type: 'blob', base64: 'AQI' },
      { type: 'null' },
      { type: 'text', value: 'alpha' },
    ]);
    expect(result.cols).toEqual([
      { name: 'i', decltype: null },
      { name: 'f', decltype: null },
      { name: 't', decltype: null },
      { name: 'b', decltype: null },
      { name: 'z', decltype: null },
      { name: 'name', decltype: 'TEXT' },
    ]);
    expect(result.affected_row_count).toBe(0);
    expect(result.last_insert_rowid).toBeNull();
    expect(body.results[1]).toEqual({ type: 'ok', response: { type: 'close' } });
  });

  it('runs a batch in one transaction, and rolls all of it back when a statement fails', async () => {
    const ok = await client.batch(
      [
        { sql: 'INSERT INTO kv (name) VALUES (?)', args: ['b1'] },
        { sql: 'INSERT INTO kv (name) VALUES (?)', args: ['b2'] },
        'SELECT count(*) AS c FROM kv',
      ],
      'write',
    );
    expect(ok.map((r) => r.rowsAffected)).toEqual([1, 1, 0]);
    expect(ok[2]!.rows[0]!.c).toBe(3);

    const failed = client.batch(
      [
        { sql: 'INSERT INTO kv (name) VALUES (?)', args: ['b3'] },
        { sql: 'INSERT INTO kv (name) VALUES (?)', args: ['b1'] },
      ],
      'write',
    );
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    const names = await client.execute("SELECT name FROM kv WHERE name LIKE 'b%' ORDER BY name");
    expect(names.rows.map((r) => r.name)).toEqual(['b1', 'b2']);
  });

  it('keeps a transaction on its stream across HTTP requests, isolated from other streams until commit', async () => {
    const before = fake.stats().httpRequests;
    const tx = await client.transaction('write');
    await tx.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['t1'] });
    expect((await tx.execute("SELECT count(*) AS c FROM kv WHERE name = 't1'")).rows[0]!.c).toBe(1);
    // Another stream does not see the uncommitted row (and is not blocked from reading).
    expect((await client.execute("SELECT count(*) AS c FROM kv WHERE name = 't1'")).rows[0]!.c).toBe(0);
    await tx.commit();
    expect((await client.execute("SELECT count(*) AS c FROM kv WHERE name = 't1'")).rows[0]!.c).toBe(1);
    expect(fake.stats().httpRequests - before).toBeGreaterThanOrEqual(4);

    const rolledBack = await client.transaction('write');
    await rolledBack.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['t2'] });
    await rolledBack.rollback();
    expect((await client.execute("SELECT count(*) AS c FROM kv WHERE name = 't2'")).rows[0]!.c).toBe(0);
    expect(fake.openStreams()).toBe(0);
  });

  it('makes a writer wait for another stream’s write transaction instead of failing it', async () => {
    const tx = await client.transaction('write');
    await tx.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['w1'] });
    const waiting = client.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['w2'] });
    await new Promise((r) => setTimeout(r, 50));
    await tx.commit();
    await expect(waiting).resolves.toMatchObject({ rowsAffected: 1 });
    // The waiting write committed and let go of the lock: another stream sees it and can write at once.
    const reader = await client.transaction('read');
    expect((await reader.execute("SELECT count(*) AS c FROM kv WHERE name IN ('w1', 'w2')")).rows[0]!.c).toBe(2);
    const started = Date.now();
    await client.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['w3'] });
    expect(Date.now() - started).toBeLessThan(1000);
    await reader.commit();
  });

  it('gives up on a write lock held too long with SQLITE_BUSY', async () => {
    const impatient = await serveHranaFake({ path: join(dir, 'db.sqlite'), authTokens: TOKEN, busyTimeoutMs: 100 });
    const c = createClient({ url: impatient.url, authToken: TOKEN });
    const tx = await c.transaction('write');
    await tx.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['lock1'] });
    await expect(c.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['lock2'] })).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    await tx.rollback();
    await expect(c.execute({ sql: 'INSERT INTO kv (name) VALUES (?)', args: ['lock3'] })).resolves.toMatchObject({
      rowsAffected: 1,
    });
    c.close();
    await impatient.close();
  });

  it('runs executeMultiple as a sequence, stopping at the first failure', async () => {
    await client.executeMultiple(
      "INSERT INTO kv (name) VALUES ('s1'); -- a comment; with a semicolon\nINSERT INTO kv (name) VALUES ('s;2');",
    );
    await expect(
      client.executeMultiple(
        "INSERT INTO kv (name) VALUES ('s3'); INSERT INTO kv (name) VALUES ('s1'); INSERT INTO kv (name) VALUES ('s4')",
      ),
    ).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT',
    });
    const names = await client.execute("SELECT name FROM kv WHERE name LIKE 's%' ORDER BY name");
    expect(names.rows.map((r) => r.name)).toEqual(['s1', 's3', 's;2']);
  });

  it('reports statement errors with sqld’s codes, inside the result', async () => {
    await expect(client.execute("INSERT INTO kv (name) VALUES ('alpha')")).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT',
      message: expect.stringContaining('UNIQUE constraint failed: kv.name'),
    });
    await expect(client.execute('SELEC 1')).rejects.toMatchObject({ code: 'SQL_PARSE_ERROR' });
    await expect(client.execute('SELECT * FROM nowhere')).rejects.toMatchObject({
      code: 'SQLITE_ERROR',
      message: expect.stringContaining('no such table'),
    });
    await expect(client.execute('SELECT 1; SELECT 2')).rejects.toMatchObject({ code: 'SQL_MANY_STATEMENTS' });
    await expect(client.execute('  -- nothing\n')).rejects.toMatchObject({ code: 'SQL_NO_STATEMENT' });
    await expect(client.execute({ sql: 'SELECT ?, ?', args: [1] })).rejects.toMatchObject({ code: 'ARGS_INVALID' });
    await expect(client.execute({ sql: 'SELECT ?', args: [1, 2] })).rejects.toMatchObject({ code: 'ARGS_INVALID' });
    await expect(client.execute({ sql: 'SELECT :a', args: { b: 1 } })).rejects.toMatchObject({ code: 'ARGS_INVALID' });
    const errors = await client.execute('SELECT 1 AS still_fine');
    expect(errors.rows[0]!.still_fine).toBe(1);
    expect(LibsqlError).toBeDefined();
  });

  it('refuses requests without the configured bearer token (401, {"error": …})', async () => {
    const none = await pipeline({ baton: null, requests: [exec('SELECT 1')] }, { token: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: expect.stringContaining('Authorization') });
    const wrong = await pipeline({ baton: null, requests: [exec('SELECT 1')] }, { token: 'not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    const stranger = createClient({ url, authToken: 'wrong-token-0123456789' });
    await expect(stranger.execute('SELECT 1')).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    await expect(createClient({ url }).execute('SELECT 1')).rejects.toThrow(/401/);
    expect(fake.stats().unauthorized).toBeGreaterThanOrEqual(4);
    // The version probes need no token, as on sqld.
    expect((await fetch(`${url}/v2`)).status).toBe(200);
    expect((await fetch(`${url}/v3`)).status).toBe(200);
    expect((await fetch(`${url}/v3-protobuf`)).status).toBe(404);
  });

  it('works under drizzle exactly as src/db/web.ts opens it', async () => {
    const db = openWebDb(url, TOKEN);
    await db.insert(accounts).values({ id: 'acc_drizzle', createdAt: 1 });
    await db.batch([
      db
        .insert(gmailConnections)
        .values({ accountId: 'acc_drizzle', mailbox: 'm@example.com', grantedScopes: 's', connectedAt: 2 }),
      db.update(accounts).set({ shopName: 'Shop' }).where(eq(accounts.id, 'acc_drizzle')),
    ]);
    const found = await db.query.accounts.findFirst({ where: eq(accounts.id, 'acc_drizzle') });
    expect(found).toMatchObject({ id: 'acc_drizzle', shopName: 'Shop', paused: false, tone: 'friendly' });
    const updated = await db
      .update(accounts)
      .set({ paused: true })
      .where(eq(accounts.id, 'acc_drizzle'))
      .returning({ id: accounts.id });
    expect(updated).toEqual([{ id: 'acc_drizzle' }]);
    const run = await db.update(accounts).set({ sessionEpoch: 1 }).where(eq(accounts.id, 'nobody'));
    expect(run.rowsAffected).toBe(0);
    await expect(db.insert(accounts).values({ id: 'acc_drizzle', createdAt: 1 })).rejects.toThrow();
    // A foreign key is enforced, as on Turso.
    await expect(
      db
        .insert(gmailConnections)
        .values({ accountId: 'missing', mailbox: 'x@example.com', grantedScopes: 's', connectedAt: 1 }),
    ).rejects.toThrow();
  });
});

describe('Hrana over HTTP fake, on the wire', () => {
  it('hands out single-use signed batons and refuses reused, forged and expired ones', async () => {
    const first = await (await pipeline({ baton: null, requests: [exec('SELECT 1')] })).json();
    expect(typeof first.baton).toBe('string');
    const second = await pipeline({ baton: first.baton, requests: [exec('SELECT 2')] });
    expect(second.status).toBe(200);
    const next = (await second.json()).baton;
    expect(next).not.toBe(first.baton);

    const reused = await pipeline({ baton: first.baton, requests: [exec('SELECT 3')] });
    expect(reused.status).toBe(400);
    expect(reused.headers.get('content-type')).toBe('text/plain');
    expect(await reused.text()).toMatch(/already been used/);
    // The refused request never held the stream (as in sqld), so its newest baton still works…
    const still = await pipeline({ baton: next, requests: [exec('SELECT 4')] });
    expect(still.status).toBe(200);
    // …until a protocol error inside the stream's own request ends it.
    const broken = await pipeline({
      baton: (await still.json()).baton,
      requests: [{ type: 'execute', stmt: { sql_id: 42 } }],
    });
    expect(broken.status).toBe(400);
    expect(fake.openStreams()).toBe(0);

    const forged = await pipeline({ baton: Buffer.alloc(48, 1).toString('base64url'), requests: [] });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/invalid baton/);

    const idle = (await (await pipeline({ baton: null, requests: [] })).json()).baton;
    await new Promise((r) => setTimeout(r, 450));
    const expired = await pipeline({ baton: idle, requests: [exec('SELECT 1')] });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toEqual({ message: expect.stringMatching(/expired/), code: 'STREAM_EXPIRED' });
  });

  it('answers 400 to what the protocol does not allow', async () => {
    expect((await pipeline('{not json')).status).toBe(400);
    expect((await pipeline({ baton: null })).status).toBe(400);
    expect((await pipeline({ baton: null, requests: [{ type: 'nonsense' }] })).status).toBe(400);
    expect((await pipeline({ baton: null, requests: [{ type: 'execute', stmt: { sql_id: 7 } }] })).status).toBe(400);
    expect(
      (
        await pipeline({
          baton: null,
          requests: [{ type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'date' }] } }],
        })
      ).status,
    ).toBe(400);
    // get_autocommit and the is_autocommit condition are Hrana 3.
    expect((await pipeline({ baton: null, requests: [{ type: 'get_autocommit' }] })).status).toBe(400);
    const v2cond = {
      type: 'batch',
      batch: { steps: [{ stmt: { sql: 'SELECT 1' }, condition: { type: 'is_autocommit' } }] },
    };
    expect((await pipeline({ baton: null, requests: [v2cond] })).status).toBe(400);
    // A condition may only look back.
    const forward = {
      type: 'batch',
      batch: { steps: [{ stmt: { sql: 'SELECT 1' }, condition: { type: 'ok', step: 0 } }] },
    };
    expect((await pipeline({ baton: null, requests: [forward] }, { version: 'v3' })).status).toBe(400);
    expect(
      (await fetch(`${url}/v2/cursor`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' }))
        .status,
    ).toBe(404);
    expect(fake.openStreams()).toBe(0);
  });

  it('evaluates batch conditions and reports skipped steps as null in both arrays (§"Batch results")', async () => {
    const steps = [
      { stmt: { sql: 'BEGIN' } },
      { stmt: { sql: "INSERT INTO kv (name) VALUES ('alpha')" }, condition: { type: 'ok', step: 0 } },
      { stmt: { sql: 'COMMIT' }, condition: { type: 'ok', step: 1 } },
      { stmt: { sql: 'ROLLBACK' }, condition: { type: 'not', cond: { type: 'ok', step: 2 } } },
      {
        stmt: { sql: 'SELECT 1 AS one' },
        condition: { type: 'and', conds: [{ type: 'error', step: 1 }, { type: 'is_autocommit' }] },
      },
      {
        stmt: { sql: 'SELECT 2' },
        condition: {
          type: 'or',
          conds: [
            { type: 'ok', step: 2 },
            { type: 'error', step: 2 },
          ],
        },
      },
    ];
    const res = await pipeline(
      { baton: null, requests: [{ type: 'batch', batch: { steps } }, { type: 'get_autocommit' }, { type: 'close' }] },
      { version: 'v3' },
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    const { step_results, step_errors } = body.results[0].response.result;
    expect(step_results.map((r: unknown) => r !== null)).toEqual([true, false, false, true, true, false]);
    expect(step_errors.map((e: unknown) => e !== null)).toEqual([false, true, false, false, false, false]);
    expect(step_errors[1]).toEqual({ message: expect.stringContaining('UNIQUE'), code: 'SQLITE_CONSTRAINT' });
    expect(step_results[4].rows).toEqual([[{ type: 'integer', value: '1' }]]);
    expect(body.results[1]).toEqual({ type: 'ok', response: { type: 'get_autocommit', is_autocommit: true } });
  });

  it('stores SQL texts per stream, describes statements, and follows base_url', async () => {
    const store = await pipeline({
      baton: null,
      requests: [
        { type: 'store_sql', sql_id: 1, sql: 'SELECT name FROM kv WHERE id = ?' },
        { type: 'execute', stmt: { sql_id: 1, args: [{ type: 'integer', value: '1' }] } },
        { type: 'describe', sql: 'SELECT id, name AS label FROM kv WHERE id = :id AND name = ?5' },
        { type: 'describe', sql: 'EXPLAIN SELECT 1' },
        { type: 'close_sql', sql_id: 1 },
        { type: 'close_sql', sql_id: 99 },
        { type: 'execute', stmt: { sql: 'SELECT 1', want_rows: false } },
      ],
    });
    const body = await store.json();
    expect(body.results.map((r: { type: string }) => r.type)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(body.results[1].response.result.rows).toEqual([[{ type: 'text', value: 'alpha' }]]);
    expect(body.results[2].response.result).toEqual({
      params: [{ name: ':id' }, { name: null }, { name: null }, { name: null }, { name: '?5' }],
      cols: [
        { name: 'id', decltype: 'INTEGER' },
        { name: 'label', decltype: 'TEXT' },
      ],
      is_explain: false,
      is_readonly: true,
    });
    expect(body.results[3].response.result).toMatchObject({ is_explain: true });
    expect(body.results[6].response.result.rows).toEqual([]);
    // The stored text is gone with close_sql: using it again is a protocol error.
    const gone = await pipeline({ baton: body.baton, requests: [{ type: 'execute', stmt: { sql_id: 1 } }] });
    expect(gone.status).toBe(400);

    // A server that names a base_url gets the rest of the stream's requests there (§"Overview").
    const sticky = await serveHranaFake({
      path: join(dir, 'db.sqlite'),
      authTokens: TOKEN,
      baseUrl: 'http://127.0.0.1:1/sticky/',
    });
    const seen: string[] = [];
    const stickyUrl = new URL(sticky.url);
    const routed = createClient({
      url: sticky.url,
      authToken: TOKEN,
      fetch: (req: Request) => {
        const u = new URL(req.url);
        seen.push(u.pathname);
        u.host = stickyUrl.host;
        return fetch(new Request(u, req));
      },
    });
    const tx = await routed.transaction('read');
    await tx.execute('SELECT 1');
    await tx.execute('SELECT 2');
    await tx.commit();
    routed.close();
    await sticky.close();
    expect(seen[0]).toBe('/v2/pipeline');
    expect(seen.slice(1).every((p) => p === '/sticky/v2/pipeline')).toBe(true);
  });

  it('serves a batch through a v3 cursor as newline-delimited entries', async () => {
    const res = await fetch(`${url}/v3/cursor`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        baton: null,
        batch: {
          steps: [{ stmt: { sql: 'SELECT name FROM kv WHERE id = 1' } }, { stmt: { sql: 'SELECT * FROM nowhere' } }],
        },
      }),
    });
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ baton: expect.any(String), base_url: null });
    expect(lines.slice(1).map((l: { type: string }) => l.type)).toEqual([
      'step_begin',
      'row',
      'step_end',
      'step_error',
    ]);
    expect(lines[2].row).toEqual([{ type: 'text', value: 'alpha' }]);
    await pipeline({ baton: lines[0].baton, requests: [{ type: 'close' }] }, { version: 'v3' });
  });

  it('counts HTTP requests and statements per token, transaction control apart', async () => {
    const before = fake.stats().byToken.app!;
    await client.batch(['SELECT 1', 'SELECT 2'], 'read');
    const after = fake.stats().byToken.app!;
    expect(after.httpRequests - before.httpRequests).toBe(1);
    expect(after.statements - before.statements).toBe(2);
    expect(after.transactionStatements - before.transactionStatements).toBe(2);
  });
});
