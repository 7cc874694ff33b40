import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import Database from 'libsql';

/**
 * A faithful fake of Turso's libSQL-over-HTTP endpoint ("Hrana over HTTP"), served over a local
 * libSQL file, so the Worker's `@libsql/client/web` (src/db/web.ts) can be run against something
 * that behaves like Turso without the network. It follows the published specs in
 * tursodatabase/libsql: docs/HTTP_V2_SPEC.md ("HTTP v2") and docs/HRANA_3_SPEC.md ("Hrana 3",
 * sections cited as §"Title"), and, where the specs leave a choice, what sqld does
 * (libsql-server/src/hrana/http/*.rs, .../hrana/stmt.rs, .../connection/program.rs).
 *
 * What it serves:
 *  - GET  /v2, /v3                      version probes (§"Check support for version 3 (JSON)"), no auth
 *  - POST /v2/pipeline, /v3/pipeline     a pipeline of stream requests on a stream named by a baton
 *                                        (§"Execute a pipeline of requests (JSON)")
 *  - POST /v3/cursor                     a batch through a cursor, newline-delimited JSON
 *                                        (§"Execute a batch using a cursor (JSON)")
 *  - GET  /, /health                     like sqld
 * Stream requests (§"Requests"): close, execute, batch (with conditions), sequence, describe,
 * store_sql, close_sql, get_autocommit (v3 only, as sqld).
 *
 * Not served: the Protobuf encoding (/v3-protobuf…). The spec says a Hrana 3 server must support it;
 * this fake answers 404 to GET /v3-protobuf, which is how a server says it lacks a version, so a v3
 * client falls back to JSON (@libsql/hrana-client findEndpoint). @libsql/client/web speaks v2 JSON.
 *
 * Streams: each stream is its own libSQL connection to the file (opened with the stream, closed
 * with it), so a transaction begun in one pipeline request continues in the next one that shows
 * the stream's baton. Batons are HMAC-signed and single-use (a baton names the stream and a
 * sequence number, §"Overview": "the baton in the response should be different", "unpredictable
 * and unforgeable"); a stream idle for 10 s is closed and its baton then gets STREAM_EXPIRED, as
 * sqld does. The file is switched to WAL, as sqld keeps its databases, so readers and a writer
 * never block each other. Writers are queued here, asynchronously: a stream that wants to write
 * while another stream's transaction holds the write lock waits (up to `busyTimeoutMs`, then
 * SQLITE_BUSY) before its statement reaches SQLite. Letting SQLite report the lock instead is not
 * an option: a blocking busy wait would stall the one Node thread that also runs the stream holding
 * the lock, and a statement that failed with SQLITE_BUSY stays active in the Node driver (it has no
 * reset), which keeps the connection's next autocommit write uncommitted and the lock held.
 *
 * Errors, as sqld reports them:
 *  - a statement that fails: `{type:"error", error:{message, code}}` in its result (a pipeline
 *    always executes every request, §"Execute a pipeline of requests"), codes like SQLITE_CONSTRAINT,
 *    SQL_PARSE_ERROR, ARGS_INVALID (§"Errors", "codes ... depend on the server implementation");
 *    in a batch, per step in `step_errors` (§"Batch results");
 *  - a protocol violation (bad JSON, bad or reused baton, an unknown sql_id, a condition naming a
 *    later step, a v3 feature on v2): HTTP 400 text/plain, and the stream is closed
 *    (§"Errors" under Hrana over HTTP: "the stream is no longer valid");
 *  - an expired stream: HTTP 400 with a JSON Error `{message, code:"STREAM_EXPIRED"}`;
 *  - no or a wrong `Authorization: Bearer <token>`: HTTP 401 `{"error": "..."}` (sqld's
 *    ResponseError format). A token is required: the fake refuses to start without one.
 *
 * It never logs, and keeps no SQL text or values beyond the stream that uses them.
 * Node only (it opens the file with the native libSQL engine, the one `@libsql/client`'s file:
 * mode wraps; that wrapper hides the per-connection state, autocommit and change counts a
 * stream needs).
 */

export interface HranaFakeOptions {
  /** Path of the libSQL database file (migrated beforehand). */
  path: string;
  /**
   * Accepted bearer tokens. A record names each token (its label keys `stats().byToken`), so that
   * two clients of one database (the Worker, the sandbox's control API) are counted apart.
   */
  authTokens: string | Record<string, string>;
  /** Returned as `base_url` in every pipeline response (§"Overview": sticky streams); default null. */
  baseUrl?: string;
  /** Idle streams are closed after this long (sqld: 10 s). */
  streamIdleMs?: number;
  /** How long a write waits for another stream's write transaction before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export interface HranaStats {
  /** HTTP requests to /v2/pipeline, /v3/pipeline and /v3/cursor that passed authentication. */
  httpRequests: number;
  /** Stream requests inside them (execute, batch, close, …). */
  streamRequests: number;
  /** SQL statements executed, BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE not counted. */
  statements: number;
  /** BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE statements executed. */
  transactionStatements: number;
  streamsOpened: number;
  /** HTTP requests refused with 401. */
  unauthorized: number;
}

export interface HranaFake {
  /** The endpoint as a fetch handler (mount it anywhere; paths are matched after `baseUrl`'s path, if any). */
  fetch(req: Request): Promise<Response>;
  stats(): HranaStats & { byToken: Record<string, HranaStats> };
  /** Streams currently open. */
  openStreams(): number;
  /** Closes every stream (rolling back open transactions). */
  close(): void;
}

type Version = 2 | 3;

// ---------------------------------------------------------------------------------------------
// Wire structures (§"Shared structures")

type WireValue =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };

interface WireError {
  message: string;
  code?: string | null;
}

interface WireStmt {
  sql?: string | null;
  sql_id?: number | null;
  args?: WireValue[];
  named_args?: { name: string; value: WireValue }[];
  want_rows?: boolean;
}

type WireCond =
  | { type: 'ok'; step: number }
  | { type: 'error'; step: number }
  | { type: 'not'; cond: WireCond }
  | { type: 'and'; conds: WireCond[] }
  | { type: 'or'; conds: WireCond[] }
  | { type: 'is_autocommit' };

interface WireBatch {
  steps: { condition?: WireCond | null; stmt: WireStmt }[];
}

interface StmtResult {
  cols: { name: string | null; decltype: string | null }[];
  rows: WireValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  rows_read: number;
  rows_written: number;
  query_duration_ms: number;
}

interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (WireError | null)[];
}

type StreamResult = { type: 'ok'; response: Record<string, unknown> } | { type: 'error'; error: WireError };

/** A violation of the protocol: HTTP 400 text/plain, the stream is dropped (sqld ProtocolError). */
class ProtocolError extends Error {}
/** A request that fails with an Error result but leaves the stream usable (sqld StreamResponseError). */
class RequestError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

// ---------------------------------------------------------------------------------------------
// SQL scanning: statement boundaries, parameters and the statement's kind. SQLite does not expose
// these through the Node API, and sqld gets them from its own parser (query_analysis.rs).

interface Token {
  kind: 'word' | 'param' | 'semi' | 'lparen' | 'rparen' | 'other';
  text: string;
  start: number;
  end: number;
}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: Token['kind'], start: number, end: number) =>
    out.push({ kind, text: sql.slice(start, end), start, end });
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i++;
      for (;;) {
        if (i >= n) break;
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      push('other', start, i);
    } else if (c === '[') {
      const start = i;
      const close = sql.indexOf(']', i + 1);
      i = close < 0 ? n : close + 1;
      push('other', start, i);
    } else if (c === ';') {
      push('semi', i, ++i);
    } else if (c === '(') {
      push('lparen', i, ++i);
    } else if (c === ')') {
      push('rparen', i, ++i);
    } else if (c === '?') {
      const start = i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      push('param', start, i);
    } else if ((c === ':' || c === '@' || c === '$') && i + 1 < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i + 1]!)) {
      const start = i++;
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      push('param', start, i);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      push('word', start, i);
    } else {
      push('other', i, ++i);
    }
  }
  return out;
}

interface ScannedStatement {
  sql: string;
  tokens: Token[];
}

/** Splits SQL text into statements at top-level semicolons (a trigger's BEGIN … END body is one). */
function splitStatements(sql: string): ScannedStatement[] {
  const statements: ScannedStatement[] = [];
  let current: Token[] = [];
  let depth = 0;
  const isTrigger = () => {
    const words = current.slice(0, 3).map((t) => t.text.toUpperCase());
    return (
      words[0] === 'CREATE' &&
      (words[1] === 'TRIGGER' || ((words[1] === 'TEMP' || words[1] === 'TEMPORARY') && words[2] === 'TRIGGER'))
    );
  };
  const finish = () => {
    if (current.length)
      statements.push({ sql: sql.slice(current[0]!.start, current[current.length - 1]!.end), tokens: current });
    current = [];
    depth = 0;
  };
  for (const t of tokenize(sql)) {
    if (t.kind === 'semi' && depth === 0) {
      finish();
      continue;
    }
    current.push(t);
    if (t.kind === 'word' && isTrigger()) {
      const w = t.text.toUpperCase();
      if (w === 'BEGIN' || w === 'CASE') depth++;
      else if (w === 'END' && depth > 0) depth--;
    }
  }
  finish();
  return statements;
}

interface StatementInfo {
  /** Parameter names by index - 1 (null: a nameless `?` or an unused index), as sqlite3_bind_parameter_name. */
  params: (string | null)[];
  /** INSERT, UPDATE, DELETE or REPLACE (sqld reports affected_row_count only for these). */
  isIud: boolean;
  isInsert: boolean;
  isExplain: boolean;
  isReadonly: boolean;
  /** BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE. */
  isTransactionControl: boolean;
  /** Could take the write lock: anything but a read, a deferred BEGIN and the end of a transaction. */
  mayWrite: boolean;
}

function analyse(stmt: ScannedStatement): StatementInfo {
  const params: (string | null)[] = [];
  const named = new Map<string, number>();
  let max = 0;
  for (const t of stmt.tokens) {
    if (t.kind !== 'param') continue;
    if (t.text === '?') {
      params[max++] = null;
    } else if (t.text.startsWith('?')) {
      const index = Number(t.text.slice(1));
      if (index >= 1) {
        params[index - 1] = t.text;
        max = Math.max(max, index);
      }
    } else if (!named.has(t.text)) {
      named.set(t.text, ++max);
      params[max - 1] = t.text;
    }
  }
  for (let i = 0; i < max; i++) params[i] ??= null;

  const words = stmt.tokens.filter((t) => t.kind === 'word').map((t) => t.text.toUpperCase());
  const first = words[0] ?? '';
  let verb = first;
  if (first === 'WITH') {
    // The verb of a WITH statement is the first keyword after the CTEs, at parenthesis depth 0.
    let depth = 0;
    let afterAs = false;
    for (const t of stmt.tokens.slice(1)) {
      if (t.kind === 'lparen') depth++;
      else if (t.kind === 'rparen') {
        depth--;
        if (depth === 0) afterAs = true;
      } else if (
        depth === 0 &&
        afterAs &&
        t.kind === 'word' &&
        /^(SELECT|INSERT|UPDATE|DELETE|REPLACE|VALUES)$/i.test(t.text)
      ) {
        verb = t.text.toUpperCase();
        break;
      }
    }
  }
  const isExplain = first === 'EXPLAIN';
  return {
    params,
    isIud: /^(INSERT|UPDATE|DELETE|REPLACE)$/.test(verb),
    isInsert: verb === 'INSERT' || verb === 'REPLACE',
    isExplain,
    isReadonly: isExplain || verb === 'SELECT' || verb === 'VALUES',
    isTransactionControl: /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)$/.test(first),
    mayWrite:
      first === 'BEGIN'
        ? /^(IMMEDIATE|EXCLUSIVE)$/.test(words[1] ?? '')
        : !(
            isExplain ||
            verb === 'SELECT' ||
            verb === 'VALUES' ||
            /^(COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)$/.test(first)
          ),
  };
}

// ---------------------------------------------------------------------------------------------
// Values (§"Values"): integers travel as strings, blobs as base64.

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function valueFromWire(v: unknown): unknown {
  if (!v || typeof v !== 'object') throw new ProtocolError('Value type not recognized');
  const value = v as Record<string, unknown>;
  switch (value.type) {
    case 'null':
      return null;
    case 'integer': {
      if (typeof value.value !== 'string' || !/^-?\d{1,19}$/.test(value.value))
        throw new ProtocolError('Cannot deserialize client message from JSON: invalid integer value');
      const n = BigInt(value.value);
      if (n < I64_MIN || n > I64_MAX)
        throw new ProtocolError('Cannot deserialize client message from JSON: integer out of range');
      return n;
    }
    case 'float':
      if (typeof value.value !== 'number')
        throw new ProtocolError('Cannot deserialize client message from JSON: invalid float value');
      return value.value;
    case 'text':
      if (typeof value.value !== 'string')
        throw new ProtocolError('Cannot deserialize client message from JSON: invalid text value');
      return value.value;
    case 'blob':
      if (typeof value.base64 !== 'string')
        throw new ProtocolError('Cannot deserialize client message from JSON: invalid blob value');
      return Buffer.from(value.base64, 'base64');
    default:
      throw new ProtocolError('Value type not recognized');
  }
}

function valueToWire(v: unknown): WireValue {
  if (v === null || v === undefined) return { type: 'null' };
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number') return { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'text', value: v };
  if (v instanceof Uint8Array)
    return {
      type: 'blob',
      base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64').replace(/=+$/, ''),
    };
  throw new Error(`unexpected SQLite value of type ${typeof v}`);
}

// ---------------------------------------------------------------------------------------------
// SQLite errors → Hrana errors (sqld stmt.rs: "SQLite error: …" with the primary result code).

const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

interface SqliteFailure {
  code?: string;
  rawCode?: number;
  message: string;
}

const isSqliteError = (err: unknown): err is SqliteFailure =>
  err instanceof Error &&
  typeof (err as SqliteFailure).code === 'string' &&
  (err as SqliteFailure).code!.startsWith('SQLITE_');
const isSyntaxError = (err: SqliteFailure) => /syntax error|incomplete input|unrecognized token/.test(err.message);

function wireError(err: unknown): WireError {
  if (err instanceof RequestError) return err.wire;
  if (isSqliteError(err)) {
    const primary = err.rawCode !== undefined ? PRIMARY_CODES[err.rawCode % 256] : undefined;
    return {
      message: `SQLite error: ${err.message}`,
      code: primary ?? err.code!.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1'),
    };
  }
  throw err;
}

// ---------------------------------------------------------------------------------------------
// Streams and batons (§"Overview" under Hrana over HTTP)

interface Stream {
  id: bigint;
  seq: bigint;
  db: Database.Database;
  sqls: Map<number, string>;
  acquired: boolean;
  timer: ReturnType<typeof setTimeout> | null;
}

const MAX_SQL_COUNT = 50; // sqld request.rs
const MAX_STORED_SQL_BYTES = 5 * 1000; // sqld: ByteSize::kb(5)

export function createHranaFake(options: HranaFakeOptions): HranaFake {
  const tokens = typeof options.authTokens === 'string' ? { default: options.authTokens } : options.authTokens;
  const tokenEntries = Object.entries(tokens);
  if (!tokenEntries.length || tokenEntries.some(([, t]) => !t || t.length < 8)) {
    throw new Error('createHranaFake: an auth token (at least 8 characters) is required');
  }
  const idleMs = options.streamIdleMs ?? 10_000;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const basePath = options.baseUrl ? new URL(options.baseUrl).pathname.replace(/\/+$/, '') : '';
  const batonKey = randomBytes(32);
  const streams = new Map<bigint, Stream>();
  /** Streams closed for inactivity, remembered for a while so their batons get STREAM_EXPIRED. */
  const expired = new Map<bigint, number>();
  const setup = new Database(options.path);
  try {
    setup.pragma('journal_mode = WAL');
  } finally {
    setup.close();
  }

  const zero = (): HranaStats => ({
    httpRequests: 0,
    streamRequests: 0,
    statements: 0,
    transactionStatements: 0,
    streamsOpened: 0,
    unauthorized: 0,
  });
  const totals = zero();
  const byToken: Record<string, HranaStats> = Object.fromEntries(tokenEntries.map(([label]) => [label, zero()]));
  const count = (label: string | null, key: keyof HranaStats, by = 1) => {
    totals[key] += by;
    if (label) byToken[label]![key] += by;
  };

  const sign = (payload: Buffer) => createHmac('sha256', batonKey).update(payload).digest();
  const encodeBaton = (s: Stream) => {
    const payload = Buffer.alloc(16);
    payload.writeBigUInt64BE(s.id, 0);
    payload.writeBigUInt64BE(s.seq, 8);
    return Buffer.concat([payload, sign(payload)]).toString('base64url');
  };
  const decodeBaton = (baton: string): { id: bigint; seq: bigint } => {
    const raw = Buffer.from(baton, 'base64url');
    if (raw.length !== 48) throw new ProtocolError('Received an invalid baton');
    const payload = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), sign(payload))) throw new ProtocolError('Received an invalid baton');
    return { id: payload.readBigUInt64BE(0), seq: payload.readBigUInt64BE(8) };
  };

  // The write lock, as SQLite would hold it for a stream inside a transaction that has written.
  let writer: Stream | null = null;
  let lockWaiters: (() => void)[] = [];
  const updateWriter = (s: Stream, wrote: boolean) => {
    const inTx = streams.has(s.id) && s.db.open && s.db.inTransaction;
    if (inTx && wrote) writer = s;
    else if (!inTx && writer === s) {
      writer = null;
      const wake = lockWaiters;
      lockWaiters = [];
      for (const w of wake) w();
    }
  };
  const waitForWriteLock = async (s: Stream) => {
    const deadline = Date.now() + busyTimeoutMs;
    while (writer && writer !== s) {
      const left = deadline - Date.now();
      if (left <= 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY', rawCode: 5 });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        lockWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  const closeStream = (s: Stream) => {
    if (s.timer) clearTimeout(s.timer);
    streams.delete(s.id);
    updateWriter(s, false);
    try {
      // Closing the connection rolls back a transaction left open, as dropping it does in sqld.
      if (s.db.open) s.db.close();
    } catch {
      /* already unusable */
    }
  };
  const armExpiry = (s: Stream) => {
    s.timer = setTimeout(() => {
      closeStream(s);
      expired.set(s.id, Date.now());
      for (const [id, at] of expired) if (Date.now() - at > 300_000) expired.delete(id);
    }, idleMs);
    s.timer.unref?.();
  };

  const acquire = (baton: string | null | undefined, label: string | null): Stream => {
    if (baton === null || baton === undefined) {
      const s: Stream = {
        id: randomBytes(8).readBigUInt64BE(0),
        seq: randomBytes(8).readBigUInt64BE(0),
        db: new Database(options.path, { timeout: 0 } as Database.Options),
        sqls: new Map(),
        acquired: true,
        timer: null,
      };
      streams.set(s.id, s);
      count(label, 'streamsOpened');
      return s;
    }
    if (typeof baton !== 'string')
      throw new ProtocolError('Cannot deserialize client message from JSON: invalid baton');
    const { id, seq } = decodeBaton(baton);
    const s = streams.get(id);
    if (!s) {
      if (expired.has(id)) throw new StreamExpired();
      throw new ProtocolError('Received an invalid baton');
    }
    if (s.acquired || s.seq !== seq) throw new ProtocolError('Received a baton that has already been used');
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    s.acquired = true;
    s.seq = (s.seq + 1n) & (2n ** 64n - 1n);
    return s;
  };
  /** Hands the stream back and returns its next baton, or null when it was closed. */
  const release = (s: Stream): string | null => {
    s.acquired = false;
    if (!streams.has(s.id)) return null;
    armExpiry(s);
    return encodeBaton(s);
  };

  // --- statements --------------------------------------------------------------------------

  const sqlOf = (s: Stream, sql: unknown, sqlId: unknown): string => {
    const hasSql = sql !== undefined && sql !== null;
    const hasId = sqlId !== undefined && sqlId !== null;
    if (hasSql && hasId) throw new ProtocolError('Either `sql` or `sql_id` are required, but not both');
    if (hasSql) {
      if (typeof sql !== 'string')
        throw new ProtocolError('Cannot deserialize client message from JSON: `sql` must be a string');
      return sql;
    }
    if (hasId) {
      const stored = s.sqls.get(Number(sqlId));
      if (stored === undefined) throw new ProtocolError(`SQL text ${String(sqlId)} not found`);
      return stored;
    }
    throw new ProtocolError('Either `sql` or `sql_id` are required');
  };

  interface Prepared {
    stmt: ScannedStatement;
    info: StatementInfo;
    args: unknown[];
    named: Map<string, unknown> | null;
    wantRows: boolean;
  }

  /** §"Statements": one statement, positional or named arguments (not both, as sqld). */
  const prepareStmt = (s: Stream, w: WireStmt): Prepared => {
    if (!w || typeof w !== 'object')
      throw new ProtocolError('Cannot deserialize client message from JSON: `stmt` must be an object');
    const sql = sqlOf(s, w.sql, w.sql_id);
    const args = (w.args ?? []).map(valueFromWire);
    const namedList = w.named_args ?? [];
    if (!Array.isArray(namedList))
      throw new ProtocolError('Cannot deserialize client message from JSON: `named_args` must be an array');
    const named = namedList.length
      ? new Map(namedList.map((a) => [String(a.name), valueFromWire(a.value)] as const))
      : null;
    const statements = splitStatements(sql);
    if (!statements.length)
      throw new RequestError({ message: 'SQL string does not contain any statement', code: 'SQL_NO_STATEMENT' });
    if (statements.length > 1)
      throw new RequestError({ message: 'SQL string contains more than one statement', code: 'SQL_MANY_STATEMENTS' });
    if (args.length && named)
      throw new RequestError({
        message: 'Specifying both positional and named arguments is not supported',
        code: 'ARGS_BOTH_POSITIONAL_AND_NAMED',
      });
    return { stmt: statements[0]!, info: analyse(statements[0]!), args, named, wantRows: w.want_rows ?? true };
  };

  /** sqld query.rs Params::bind: every parameter needs a value, and no more values than parameters. */
  const bindValues = (p: Prepared): unknown[] => {
    const { params } = p.info;
    const given = p.named ? p.named.size : p.args.length;
    const invalid = (detail: string) =>
      new RequestError({ message: `Arguments do not match SQL parameters: ${detail}`, code: 'ARGS_INVALID' });
    if (given > params.length) throw invalid(`too many parameters, expected ${params.length} found ${given}`);
    return params.map((name, i) => {
      let value: unknown;
      let found: boolean;
      if (name && !name.startsWith('?')) {
        found = !!p.named && (p.named.has(name) || p.named.has(name.slice(1)));
        value = p.named?.has(name) ? p.named.get(name) : p.named?.get(name.slice(1));
      } else {
        const pos = name ? Number(name.slice(1)) : i + 1;
        found = !p.named && pos - 1 < p.args.length;
        value = p.args[pos - 1];
      }
      if (!found) {
        if (p.info.isExplain) return null;
        throw invalid(`value for parameter ${name ?? i + 1} not found`);
      }
      return value;
    });
  };

  /** Runs one statement on the stream's connection, once the write lock is free if it may write. */
  const run = async (s: Stream, p: Prepared, label: string | null): Promise<StmtResult> => {
    const started = performance.now();
    if (p.info.mayWrite) await waitForWriteLock(s);
    if (!streams.has(s.id)) throw new ProtocolError('Stream for this baton was closed');
    try {
      const result = runOnce(s, p, started);
      count(label, p.info.isTransactionControl ? 'transactionStatements' : 'statements');
      updateWriter(s, p.info.mayWrite);
      return result;
    } catch (err) {
      updateWriter(s, false);
      if (err instanceof RequestError) throw err;
      if (isSqliteError(err) && isSyntaxError(err)) {
        throw new RequestError({ message: `SQL string could not be parsed: ${err.message}`, code: 'SQL_PARSE_ERROR' });
      }
      // The statement ran and failed: it counts as a statement sent, as on Turso.
      if (isSqliteError(err)) count(label, p.info.isTransactionControl ? 'transactionStatements' : 'statements');
      throw err;
    }
  };

  const runOnce = (s: Stream, p: Prepared, started: number): StmtResult => {
    const prepared = s.db.prepare(p.stmt.sql);
    const values = bindValues(p);
    const cols = prepared.reader ? prepared.columns().map((c) => ({ name: c.name, decltype: c.type ?? null })) : [];
    let rows: unknown[][] = [];
    let changes = 0;
    let lastInsertRowid: bigint | null = null;
    if (prepared.reader) {
      prepared.raw(true);
      prepared.safeIntegers(true);
      // One array argument: the driver reads a lone object argument (a Buffer, null) as named parameters.
      rows = prepared.all(values) as unknown[][];
      if (p.info.isIud || p.info.isInsert) {
        // RETURNING: the change count and rowid as sqlite3_changes()/last_insert_rowid() see them.
        const [row] = s.db.prepare('SELECT changes(), last_insert_rowid()').raw(true).safeIntegers(true).all([]) as [
          bigint,
          bigint,
        ][];
        changes = Number(row![0]);
        lastInsertRowid = row![1];
      }
    } else {
      const info = prepared.run(values);
      changes = info.changes;
      lastInsertRowid = BigInt(info.lastInsertRowid);
    }
    // program.rs: affected_row_count only for INSERT/UPDATE/DELETE, last_insert_rowid only for INSERT.
    const affected = p.info.isIud ? changes : 0;
    return {
      cols,
      rows: p.wantRows ? rows.map((r) => r.map(valueToWire)) : [],
      affected_row_count: affected,
      last_insert_rowid: p.info.isInsert && lastInsertRowid !== null ? lastInsertRowid.toString() : null,
      rows_read: rows.length,
      rows_written: affected,
      query_duration_ms: performance.now() - started,
    };
  };

  // --- batches (§"Batches", §"Conditions", §"Batch results") --------------------------------

  const checkCond = (c: unknown, step: number, version: Version): WireCond => {
    if (!c || typeof c !== 'object') throw new ProtocolError('BatchCond type not recognized');
    const cond = c as WireCond;
    switch (cond.type) {
      case 'ok':
      case 'error':
        if (!Number.isInteger(cond.step) || cond.step < 0 || cond.step >= step)
          throw new ProtocolError('Invalid reference to step in a batch condition');
        return cond;
      case 'not':
        checkCond(cond.cond, step, version);
        return cond;
      case 'and':
      case 'or':
        if (!Array.isArray(cond.conds))
          throw new ProtocolError('Cannot deserialize client message from JSON: `conds` must be an array');
        for (const inner of cond.conds) checkCond(inner, step, version);
        return cond;
      case 'is_autocommit':
        if (version < 3)
          throw new ProtocolError(
            'BatchCond of type `is_autocommit` is only supported in protocol version 3 and higher',
          );
        return cond;
      default:
        throw new ProtocolError('BatchCond type not recognized');
    }
  };

  type Outcome = 'ok' | 'error' | 'skipped';
  /** §"Conditions": `ok`/`error` are false for a skipped step. */
  const evalCond = (cond: WireCond, outcomes: Outcome[], db: Database.Database): boolean => {
    switch (cond.type) {
      case 'ok':
        return outcomes[cond.step] === 'ok';
      case 'error':
        return outcomes[cond.step] === 'error';
      case 'not':
        return !evalCond(cond.cond, outcomes, db);
      case 'and':
        return cond.conds.every((c) => evalCond(c, outcomes, db));
      case 'or':
        return cond.conds.some((c) => evalCond(c, outcomes, db));
      case 'is_autocommit':
        return !db.inTransaction;
    }
  };

  /** Validates the whole batch first (sqld proto_batch_to_program), then runs the steps in order. */
  async function* runBatch(s: Stream, batch: WireBatch, version: Version, label: string | null) {
    if (!batch || typeof batch !== 'object' || !Array.isArray(batch.steps))
      throw new ProtocolError('Cannot deserialize client message from JSON: `batch.steps` must be an array');
    const steps = batch.steps.map((step, i) => ({
      cond: step.condition === undefined || step.condition === null ? null : checkCond(step.condition, i, version),
      prepared: prepareStmt(s, step.stmt),
    }));
    // sqld parses every statement before running any: one that does not parse fails the whole
    // request. (Anything else prepare can report, "no such table" say, is the step's own error.)
    for (const { prepared } of steps) {
      try {
        s.db.prepare(prepared.stmt.sql);
      } catch (err) {
        if (isSqliteError(err) && isSyntaxError(err))
          throw new RequestError({
            message: `SQL string could not be parsed: ${err.message}`,
            code: 'SQL_PARSE_ERROR',
          });
      }
    }
    const outcomes: Outcome[] = [];
    for (const [i, step] of steps.entries()) {
      if (step.cond && !evalCond(step.cond, outcomes, s.db)) {
        outcomes.push('skipped');
        yield { step: i, skipped: true as const };
        continue;
      }
      try {
        const result = await run(s, step.prepared, label);
        outcomes.push('ok');
        yield { step: i, result };
      } catch (err) {
        outcomes.push('error');
        yield { step: i, error: wireError(err) };
      }
    }
  }

  const executeBatch = async (
    s: Stream,
    batch: WireBatch,
    version: Version,
    label: string | null,
  ): Promise<BatchResult> => {
    const out: BatchResult = { step_results: [], step_errors: [] };
    for await (const entry of runBatch(s, batch, version, label)) {
      out.step_results.push(('result' in entry && entry.result) || null);
      out.step_errors.push(('error' in entry && entry.error) || null);
    }
    return out;
  };

  // --- stream requests (§"Requests") --------------------------------------------------------

  const handleRequest = async (
    s: Stream,
    req: Record<string, unknown>,
    version: Version,
    label: string | null,
  ): Promise<StreamResult> => {
    if (!req || typeof req !== 'object')
      throw new ProtocolError('Cannot deserialize client message from JSON: a request must be an object');
    const ok = (response: Record<string, unknown>): StreamResult => ({ type: 'ok', response });
    const needsOpen = () => {
      if (!streams.has(s.id)) throw new ProtocolError('Stream for this baton was closed');
    };
    try {
      switch (req.type) {
        case 'close':
          closeStream(s);
          return ok({ type: 'close' });
        case 'execute': {
          needsOpen();
          const p = prepareStmt(s, req.stmt as WireStmt);
          return ok({ type: 'execute', result: await run(s, p, label) });
        }
        case 'batch':
          needsOpen();
          return ok({ type: 'batch', result: await executeBatch(s, req.batch as WireBatch, version, label) });
        case 'sequence': {
          // Hrana 3 §"Execute a sequence of SQL statements": rows ignored, stops at the first failure.
          needsOpen();
          const sql = sqlOf(s, req.sql, req.sql_id);
          for (const stmt of splitStatements(sql)) {
            await run(s, { stmt, info: analyse(stmt), args: [], named: null, wantRows: false }, label);
          }
          return ok({ type: 'sequence' });
        }
        case 'describe': {
          // §"Result of describing a statement"
          needsOpen();
          const sql = sqlOf(s, req.sql, req.sql_id);
          const statements = splitStatements(sql);
          if (!statements.length)
            throw new RequestError({ message: 'SQL string does not contain any statement', code: 'SQL_NO_STATEMENT' });
          if (statements.length > 1)
            throw new RequestError({
              message: 'SQL string contains more than one statement',
              code: 'SQL_MANY_STATEMENTS',
            });
          const info = analyse(statements[0]!);
          let prepared;
          try {
            prepared = s.db.prepare(statements[0]!.sql);
          } catch (err) {
            if (isSqliteError(err) && isSyntaxError(err))
              throw new RequestError({
                message: `SQL string could not be parsed: ${err.message}`,
                code: 'SQL_PARSE_ERROR',
              });
            throw err;
          }
          const cols = prepared.reader ? prepared.columns() : [];
          return ok({
            type: 'describe',
            result: {
              params: info.params.map((name) => ({ name })),
              cols: cols.map((c) => ({ name: c.name, decltype: c.type ?? null })),
              is_explain: info.isExplain,
              is_readonly: info.isReadonly,
            },
          });
        }
        case 'store_sql': {
          // §"Store an SQL text on the server": ids are the client's; reusing one is a protocol error.
          const id = req.sql_id;
          if (typeof id !== 'number' || !Number.isInteger(id) || typeof req.sql !== 'string')
            throw new ProtocolError('Cannot deserialize client message from JSON: store_sql needs `sql_id` and `sql`');
          if (s.sqls.has(id)) throw new ProtocolError(`SQL text ${id} already exists`);
          if (s.sqls.size >= MAX_SQL_COUNT)
            throw new RequestError({
              message: `The server already stores ${s.sqls.size} SQL texts, it cannot store more`,
              code: 'SQL_STORE_TOO_MANY',
            });
          if (Buffer.byteLength(req.sql) > MAX_STORED_SQL_BYTES)
            throw new RequestError({
              message: `The statement is too large to be stored: ${Buffer.byteLength(req.sql)} B`,
              code: 'SQL_STORE_TOO_LARGE',
            });
          s.sqls.set(id, req.sql);
          return ok({ type: 'store_sql' });
        }
        case 'close_sql':
          // "It is not an error if the client attempts to close a SQL text id that is not used."
          s.sqls.delete(Number(req.sql_id));
          return ok({ type: 'close_sql' });
        case 'get_autocommit':
          if (version < 3)
            throw new ProtocolError('The `get_autocommit` request is only supported in protocol version 3 and higher');
          needsOpen();
          return ok({ type: 'get_autocommit', is_autocommit: !s.db.inTransaction });
        default:
          throw new ProtocolError('StreamRequest type not recognized');
      }
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      return { type: 'error', error: wireError(err) };
    }
  };

  // --- HTTP (§"Endpoints") ------------------------------------------------------------------

  const text = (status: number, body: string) =>
    new Response(body, { status, headers: { 'content-type': 'text/plain' } });
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  /** The token's label, or null; sqld answers 401 with a ResponseError body `{"error": …}`. */
  const authenticate = (req: Request): string | null => {
    const header = req.headers.get('authorization');
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!m) return null;
    const given = Buffer.from(m[1]!);
    for (const [label, token] of tokenEntries) {
      const expected = Buffer.from(token);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return label;
    }
    return null;
  };

  const readBody = async (req: Request): Promise<Record<string, unknown>> => {
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch (err) {
      throw new ProtocolError(`Cannot deserialize client message from JSON: ${(err as Error).message}`);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new ProtocolError('Cannot deserialize client message from JSON: expected an object');
    return body as Record<string, unknown>;
  };

  const pipeline = async (req: Request, version: Version, label: string): Promise<Response> => {
    const body = await readBody(req);
    if (!Array.isArray(body.requests))
      throw new ProtocolError('Cannot deserialize client message from JSON: missing field `requests`');
    const s = acquire(body.baton as string | null | undefined, label);
    try {
      const results: StreamResult[] = [];
      for (const r of body.requests as Record<string, unknown>[]) {
        count(label, 'streamRequests');
        results.push(await handleRequest(s, r, version, label));
      }
      return json(200, { baton: release(s), base_url: options.baseUrl ?? null, results });
    } catch (err) {
      // A protocol error drops the stream (sqld: the guard is not released).
      closeStream(s);
      throw err;
    }
  };

  /** §"Execute a batch using a cursor (JSON)": a CursorRespBody line, then CursorEntry lines. */
  const cursor = async (req: Request, label: string): Promise<Response> => {
    const body = await readBody(req);
    const s = acquire(body.baton as string | null | undefined, label);
    const lines: unknown[] = [];
    try {
      if (!streams.has(s.id)) throw new ProtocolError('Stream for this baton was closed');
      count(label, 'streamRequests');
      for await (const entry of runBatch(s, body.batch as WireBatch, 3, label)) {
        if ('skipped' in entry) continue;
        if ('error' in entry) {
          lines.push({ type: 'step_error', step: entry.step, error: entry.error });
          continue;
        }
        lines.push({ type: 'step_begin', step: entry.step, cols: entry.result.cols });
        for (const row of entry.result.rows) lines.push({ type: 'row', row });
        lines.push({
          type: 'step_end',
          affected_row_count: entry.result.affected_row_count,
          last_insert_rowid: entry.result.last_insert_rowid,
        });
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        closeStream(s);
        throw err;
      }
      lines.push({ type: 'error', error: wireError(err) });
    }
    const head = { baton: release(s), base_url: options.baseUrl ?? null };
    return new Response([head, ...lines].map((l) => `${JSON.stringify(l)}\n`).join(''), {
      status: 200,
      headers: { 'content-type': 'text/plain' },
    });
  };

  const fetch = async (req: Request): Promise<Response> => {
    let path = new URL(req.url).pathname;
    if (basePath && (path === basePath || path.startsWith(`${basePath}/`))) path = path.slice(basePath.length) || '/';
    const method = req.method.toUpperCase();
    try {
      if (method === 'GET') {
        if (path === '/' || path === '/v2' || path === '/v3')
          return text(200, 'Hello, this is HTTP API v2 (Hrana over HTTP)');
        if (path === '/health') return text(200, '');
        return text(404, 'Not found');
      }
      const endpoint = method === 'POST' ? /^\/(v2|v3)\/(pipeline|cursor)$/.exec(path) : null;
      if (!endpoint || (endpoint[1] === 'v2' && endpoint[2] === 'cursor')) return text(404, 'Not found');
      const label = authenticate(req);
      if (!label) {
        count(null, 'unauthorized');
        const message = req.headers.has('authorization')
          ? 'Authentication failed: the bearer token is not valid for this database'
          : 'Authentication failed: The `Authorization` HTTP header is required but was not specified';
        return json(401, { error: message });
      }
      count(label, 'httpRequests');
      const version: Version = endpoint[1] === 'v3' ? 3 : 2;
      return endpoint[2] === 'cursor' ? await cursor(req, label) : await pipeline(req, version, label);
    } catch (err) {
      if (err instanceof ProtocolError) return text(400, err.message);
      if (err instanceof StreamExpired) return json(400, { message: err.message, code: 'STREAM_EXPIRED' });
      return text(500, 'Internal server error');
    }
  };

  return {
    fetch,
    stats: () => ({ ...totals, byToken: Object.fromEntries(Object.entries(byToken).map(([k, v]) => [k, { ...v }])) }),
    openStreams: () => streams.size,
    close: () => {
      for (const s of [...streams.values()]) closeStream(s);
    },
  };
}

class StreamExpired extends Error {
  constructor() {
    super('The stream has expired due to inactivity');
  }
}

/** The fake on its own HTTP server (default 127.0.0.1, a free port): the URL to give `createClient`. */
export async function serveHranaFake(
  options: HranaFakeOptions & { port?: number; hostname?: string },
): Promise<{ url: string; fake: HranaFake; close(): Promise<void> }> {
  const fake = createHranaFake(options);
  const hostname = options.hostname ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: fake.fetch, port: options.port ?? 0, hostname, overrideGlobalObjects: false }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname}:${port}`,
    fake,
    close: () =>
      new Promise<void>((resolve) => {
        fake.close();
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
