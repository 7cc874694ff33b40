/**
 * Structured logs that cannot carry content. Fields are typed: ids, counts, durations, reason and
 * error codes. There is no free-text field, and error objects are reduced to their class and code
 * (errorClass below) because provider error messages can echo what a customer wrote.
 */
export interface LogFields {
  accountId?: string;
  requestId?: string;
  /** Short machine words from a fixed vocabulary: 'auto_reply', 'gmail_rate_limited', ... */
  reason?: string;
  errorClass?: string;
  status?: number;
  count?: number;
  subrequests?: number;
  ms?: number;
  attempt?: number;
  mode?: string;
  port?: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (line: string) => void;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const EVENT = /^[a-z][a-z0-9_.:-]{0,63}$/;
const WORD = /^[A-Za-z0-9_.:-]{0,80}$/;

export function createLogger(level: LogLevel, sink: LogSink = (line) => console.log(line)): Logger {
  const write = (lvl: LogLevel, event: string, fields: LogFields = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const safe: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === 'number') safe[k] = v;
      // Strings must look like ids or codes; anything else (a sentence, an address) is dropped.
      else if (typeof v === 'string') safe[k] = WORD.test(v) && !v.includes('@') ? v : '[redacted]';
    }
    sink(
      JSON.stringify({
        t: new Date().toISOString(),
        level: lvl,
        event: EVENT.test(event) ? event : 'invalid_event',
        ...safe,
      }),
    );
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
  };
}

/** An error reduced to something safe to log: its class and, where it has one, its status or code. */
export function errorClass(err: unknown): string {
  if (!(err instanceof Error)) return 'NonError';
  const e = err as Error & { status?: unknown; code?: unknown; reason?: unknown };
  const detail = [e.status, e.code, e.reason].find(
    (x) => typeof x === 'number' || (typeof x === 'string' && WORD.test(x)),
  );
  return detail === undefined ? err.name : `${err.name}:${String(detail)}`;
}
