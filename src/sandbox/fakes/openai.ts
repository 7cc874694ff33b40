/**
 * A faithful, deterministic OpenAI-compatible Chat Completions endpoint for tests and the local
 * sandbox. Routes are relative (mount the app wherever): `POST /v1/chat/completions`,
 * `GET /v1/models`, `GET /v1/models/:model`.
 *
 * Faithful to the real API where the drafting client can tell the difference:
 *  - auth: `Authorization: Bearer <apiKey>`; a missing key and a wrong key get OpenAI's 401 bodies
 *    (`code: "invalid_api_key"` for a wrong one, the key masked like OpenAI does);
 *  - request validation with OpenAI's 400 bodies: unparseable JSON, missing `model`, missing or
 *    empty `messages`, bad roles, missing content, bad `response_format`, strict `json_schema`
 *    rules (`additionalProperties: false` and every property required, on every object),
 *    `json_object` without the word "json" in the messages;
 *  - a real `chat.completion` object (id, object, created, model, choices with
 *    `message.refusal: null`, `annotations: []`, `logprobs: null`, finish_reason, usage with
 *    details, service_tier, system_fingerprint) and headers (`x-request-id`, `openai-version`,
 *    `openai-processing-ms`, `x-ratelimit-*`);
 *  - `max_completion_tokens` / `max_tokens` below the answer's size truncate the content and set
 *    `finish_reason: "length"` (the SDK's `parse()` then throws LengthFinishReasonError);
 *  - `n` choices;
 *  - failures on demand: `failNext({ status: 429 })` (rate_limit_exceeded body, `retry-after`,
 *    `x-ratelimit-remaining-requests: 0`), `failNext({ status: 429, code: "insufficient_quota" })`,
 *    500 and 503 server_error bodies, or any other status with a generic body.
 *
 * Not faithful, on purpose:
 *  - `stream: true` is refused with a 400 (the drafting client does not stream);
 *  - any model name is accepted (OpenAI-compatible endpoints name their models freely);
 *  - the last user message must be the Draftline contract JSON, PromptData (see openai-writer.ts); anything else
 *    gets a 400 with `code: "fake_contract_violation"` naming the problem, so that contract drift
 *    fails loudly in tests. The same code is used when a strict `json_schema` would not accept the
 *    reply shape.
 *  - prompt tokens are counted as ceil(chars / 4) per message content plus 4 per message plus 3
 *    (no tokenizer is installed); completion tokens as ceil(chars / 4) of the content.
 *
 * Requests log: `requests()` returns the latest REQUEST_LOG_SIZE chat requests as
 * `{model, messages: [{role, content}]}` (the sandbox serves it at GET /sandbox/openai/requests).
 * It holds prompts, so it lives in this object's memory only, and `reset()` empties it.
 *
 * Determinism: the content depends only on the contract input, `seed`, and, when
 * `plantFalseFacts` > 0, on how many times that same input was already seen since the last
 * `reset()` (so a retry of the same input may come out differently, as with a real model at
 * temperature > 0, but the n-th attempt is always the same). Ids are derived from `seed` and a call
 * counter; only `created` reads the clock.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { hashString, writeReply, writerInputSchema, type WriterResult } from './openai-writer';

export interface OpenAIFakeOptions {
  /** The only accepted API key. Default "sk-test-draftline". */
  apiKey?: string;
  /** Delay before every answer, in milliseconds. Default 0. */
  latencyMs?: number;
  /** 0..1: rate at which replies carry one invented fact (for the fact guard). Default 0. */
  plantFalseFacts?: number;
  /** Seed for ids and planted facts. Default 0. */
  seed?: number;
}

export interface FailNextOptions {
  /** HTTP status to answer with: 429, 500, 503, or any other error status. */
  status: number;
  /** How many following chat completion requests fail. Default 1. */
  count?: number;
  /** For 429 (and 503): the `retry-after` header, in seconds (fractions allowed). Default 1 for 429. */
  retryAfterSeconds?: number;
  /** For 429: "rate_limit_exceeded" (default) or "insufficient_quota" (not retryable). */
  code?: 'rate_limit_exceeded' | 'insufficient_quota';
}

export interface OpenAIFakeUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface OpenAIFake {
  app: Hono;
  failNext(options: FailNextOptions): void;
  /** Chat completion requests received (failed and rejected ones included). */
  calls(): number;
  /** Tokens of successful completions, summed. */
  usage(): OpenAIFakeUsage;
  /** The parsed JSON body of the last chat completion request (undefined before any). */
  lastRequest(): unknown;
  /** Every planted false fact so far, in order (for fact-guard evaluations). */
  planted(): NonNullable<WriterResult['planted']>[];
  /**
   * The latest chat completion requests received (at most REQUEST_LOG_SIZE, oldest first), as
   * `{model, messages: [{role, content}]}`: exactly what the client sent the model. In memory only.
   */
  requests(): LoggedChatRequest[];
  /** Forget calls, usage, pending failures, planted facts, seen inputs and the requests log. */
  reset(): void;
}

export const DEFAULT_FAKE_API_KEY = 'sk-test-draftline';

/** How many chat requests the fake remembers for requests(): the latest ones. */
export const REQUEST_LOG_SIZE = 50;

export interface LoggedChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

export const FAKE_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-5-mini', 'gpt-5'] as const;

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** OpenAI masks all but the first 8 and last 4 characters of a wrong key. */
export function maskApiKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAIErrorBody,
  ) {
    super(body.error.message);
  }
}

function invalid(message: string, param: string | null = null, code: string | null = null): RequestError {
  return new RequestError(400, errorBody(message, 'invalid_request_error', param, code));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text of a message content: a string or an array of `{type: "text", text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

interface ValidMessage {
  role: (typeof ROLES)[number];
  text: string;
}

function validateMessages(messages: unknown): ValidMessage[] {
  if (messages === undefined)
    throw invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) {
    throw invalid(
      `Invalid type for 'messages': expected an array of objects, but got ${typeName(messages)} instead.`,
      'messages',
      'invalid_type',
    );
  }
  if (messages.length === 0) {
    throw invalid(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  return messages.map((m, i) => {
    if (!isRecord(m))
      throw invalid(
        `Invalid type for 'messages[${i}]': expected an object, but got ${typeName(m)} instead.`,
        `messages[${i}]`,
        'invalid_type',
      );
    const role = m.role;
    if (role === undefined)
      throw invalid(
        `Missing required parameter: 'messages[${i}].role'.`,
        `messages[${i}].role`,
        'missing_required_parameter',
      );
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw invalid(
        `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      );
    }
    const content = m.content;
    if (content === undefined && role !== 'assistant') {
      throw invalid(
        `Missing required parameter: 'messages[${i}].content'.`,
        `messages[${i}].content`,
        'missing_required_parameter',
      );
    }
    if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
      throw invalid(
        `Invalid type for 'messages[${i}].content': expected one of a string or array of objects, but got ${typeName(content)} instead.`,
        `messages[${i}].content`,
        'invalid_type',
      );
    }
    return { role: role as ValidMessage['role'], text: contentText(content) };
  });
}

/** A received body as the requests log shows it, or null when it is no chat request at all. */
function loggable(body: unknown): LoggedChatRequest | null {
  if (!isRecord(body) || !Array.isArray(body.messages)) return null;
  return {
    model: typeof body.model === 'string' ? body.model : '',
    messages: body.messages.map((m) => ({
      role: isRecord(m) && typeof m.role === 'string' ? m.role : '',
      content: isRecord(m) ? contentText(m.content) : '',
    })),
  };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; strict: boolean; schema: Record<string, unknown> };

const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function validateResponseFormat(rf: unknown): ResponseFormat {
  if (rf === undefined || rf === null) return { type: 'text' };
  if (!isRecord(rf))
    throw invalid(
      `Invalid type for 'response_format': expected an object, but got ${typeName(rf)} instead.`,
      'response_format',
      'invalid_type',
    );
  const type = rf.type;
  if (type === 'text') return { type: 'text' };
  if (type === 'json_object') return { type: 'json_object' };
  if (type !== 'json_schema') {
    throw invalid(
      `Invalid value: '${String(type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      'response_format.type',
      'invalid_value',
    );
  }
  const js = rf.json_schema;
  if (!isRecord(js))
    throw invalid(
      "Missing required parameter: 'response_format.json_schema'.",
      'response_format.json_schema',
      'missing_required_parameter',
    );
  const name = js.name;
  if (name === undefined)
    throw invalid(
      "Missing required parameter: 'response_format.json_schema.name'.",
      'response_format.json_schema.name',
      'missing_required_parameter',
    );
  if (typeof name !== 'string' || !SCHEMA_NAME.test(name)) {
    throw invalid(
      `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      'response_format.json_schema.name',
      'invalid_value',
    );
  }
  const schema = js.schema ?? {};
  if (!isRecord(schema))
    throw invalid(
      `Invalid type for 'response_format.json_schema.schema': expected an object, but got ${typeName(schema)} instead.`,
      'response_format.json_schema.schema',
      'invalid_type',
    );
  const strict = js.strict === true;
  if (strict) {
    const problem = strictSchemaProblem(schema, [], schema);
    if (problem) throw invalid(`Invalid schema for response_format '${name}': ${problem}`, 'response_format', null);
  }
  return { type: 'json_schema', name, strict, schema };
}

function contextOf(path: string[]): string {
  return `In context=(${path.map((p) => `'${p}'`).join(', ')}${path.length === 1 ? ',' : ''})`;
}

/** The first violation of OpenAI's strict-mode rules, worded like OpenAI, or null. */
function strictSchemaProblem(
  node: Record<string, unknown>,
  path: string[],
  root: Record<string, unknown>,
): string | null {
  const ref = node.$ref;
  if (typeof ref === 'string') return null; // definitions are checked where they are declared
  for (const key of ['$defs', 'definitions']) {
    const defs = node[key];
    if (isRecord(defs)) {
      for (const [defName, def] of Object.entries(defs)) {
        if (isRecord(def)) {
          const p = strictSchemaProblem(def, [...path, key, defName], root);
          if (p) return p;
        }
      }
    }
  }
  for (const key of ['anyOf', 'allOf', 'oneOf']) {
    const list = node[key];
    if (Array.isArray(list)) {
      for (let i = 0; i < list.length; i++) {
        const sub = list[i];
        if (isRecord(sub)) {
          const p = strictSchemaProblem(sub, [...path, key, String(i)], root);
          if (p) return p;
        }
      }
    }
  }
  const types = Array.isArray(node.type) ? (node.type as unknown[]) : [node.type];
  if (types.includes('object') || isRecord(node.properties)) {
    if (node.additionalProperties !== false) {
      return `${contextOf(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const props = isRecord(node.properties) ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? (node.required as unknown[]) : null;
    const missing = props.find((p) => !required?.includes(p));
    if (!required || missing !== undefined) {
      return `${contextOf(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing ?? props[0] ?? ''}'.`;
    }
    if (isRecord(node.properties)) {
      for (const [prop, sub] of Object.entries(node.properties)) {
        if (isRecord(sub)) {
          const p = strictSchemaProblem(sub, [...path, 'properties', prop], root);
          if (p) return p;
        }
      }
    }
  }
  if (isRecord(node.items)) {
    const p = strictSchemaProblem(node.items, [...path, 'items'], root);
    if (p) return p;
  }
  return null;
}

/** Does `value` satisfy `schema` (the JSON Schema subset structured outputs use)? Returns a problem or null. */
function schemaMismatch(
  value: unknown,
  schema: Record<string, unknown>,
  root: Record<string, unknown>,
  at: string,
): string | null {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = resolveRef(ref, root);
    return target ? schemaMismatch(value, target, root, at) : null;
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as unknown[]).some((s) => isRecord(s) && schemaMismatch(value, s, root, at) === null);
    return ok ? null : `${at} matches none of anyOf`;
  }
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(value)) {
    return `${at} = ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  }
  if ('const' in schema && schema.const !== value) return `${at} is not ${JSON.stringify(schema.const)}`;
  const types =
    schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  if (types.length > 0 && !types.some((t) => matchesType(value, t))) return `${at} is not of type ${types.join('|')}`;
  if (isRecord(value) && isRecord(schema.properties)) {
    const props = schema.properties;
    for (const req of Array.isArray(schema.required) ? (schema.required as unknown[]) : []) {
      if (typeof req === 'string' && !(req in value)) return `${at}.${req} is required but the reply has no such field`;
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k];
      if (sub === undefined) {
        if (schema.additionalProperties === false) return `${at}.${k} is not allowed by the schema`;
        continue;
      }
      if (isRecord(sub)) {
        const p = schemaMismatch(v, sub, root, `${at}.${k}`);
        if (p) return p;
      }
    }
  }
  if (Array.isArray(value) && isRecord(schema.items)) {
    for (let i = 0; i < value.length; i++) {
      const p = schemaMismatch(value[i], schema.items, root, `${at}[${i}]`);
      if (p) return p;
    }
  }
  return null;
}

function matchesType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    default:
      return true;
  }
}

function resolveRef(ref: string, root: Record<string, unknown>): Record<string, unknown> | null {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return null;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!isRecord(node)) return null;
    node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return isRecord(node) ? node : null;
}

/** The writer's output with keys in the schema's property order (as a strict model writes them). */
function orderKeys(value: Record<string, unknown>, schema: Record<string, unknown> | null): Record<string, unknown> {
  const props = schema && isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  const out: Record<string, unknown> = {};
  for (const k of props) if (k in value) out[k] = value[k];
  for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = v;
  return out;
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function deterministicId(seed: number, counter: number, length: number, alphabet: string): string {
  let out = '';
  let h = hashString(`id:${counter}`, seed);
  for (let i = 0; i < length; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    h = (h + i + 0x9e3779b9) >>> 0;
    out += alphabet[h % alphabet.length];
  }
  return out;
}

const RATE_LIMIT_REQUESTS = 10_000;
const RATE_LIMIT_TOKENS = 10_000_000;

export function createOpenAIFake(options: OpenAIFakeOptions = {}): OpenAIFake {
  const apiKey = options.apiKey ?? DEFAULT_FAKE_API_KEY;
  const latencyMs = options.latencyMs ?? 0;
  const plantRate = options.plantFalseFacts ?? 0;
  const seed = options.seed ?? 0;

  let callCount = 0;
  let idCounter = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let last: unknown;
  let failures: FailNextOptions[] = [];
  let planted: NonNullable<WriterResult['planted']>[] = [];
  let seen = new Map<string, number>();
  let requestLog: LoggedChatRequest[] = [];

  const app = new Hono();

  const nextRequestId = (): string => `req_${deterministicId(seed, idCounter++, 32, '0123456789abcdef')}`;

  const commonHeaders = (c: Context, started: number): void => {
    c.header('x-request-id', nextRequestId());
    c.header('openai-version', '2020-10-01');
    c.header('openai-organization', 'org-fake');
    c.header('openai-processing-ms', String(Math.max(1, Date.now() - started)));
  };

  const sendError = (
    c: Context,
    started: number,
    status: number,
    body: OpenAIErrorBody,
    extra: Record<string, string> = {},
  ): Response => {
    commonHeaders(c, started);
    for (const [k, v] of Object.entries(extra)) c.header(k, v);
    return c.json(body, status as 400);
  };

  const delay = async (): Promise<void> => {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  };

  /** Auth check shared by every route; returns an error response or null. */
  const checkAuth = (c: Context, started: number): Response | null => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!match) {
      return sendError(
        c,
        started,
        401,
        errorBody(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
          'invalid_request_error',
        ),
      );
    }
    const given = match[1]!.trim();
    if (given !== apiKey) {
      return sendError(
        c,
        started,
        401,
        errorBody(
          `Incorrect API key provided: ${maskApiKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
      );
    }
    return null;
  };

  const failure = (c: Context, started: number, f: FailNextOptions, model: string): Response => {
    if (f.status === 429) {
      const retryAfter = f.retryAfterSeconds ?? 1;
      if (f.code === 'insufficient_quota') {
        return sendError(
          c,
          started,
          429,
          errorBody(
            'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
            'insufficient_quota',
            null,
            'insufficient_quota',
          ),
        );
      }
      return sendError(
        c,
        started,
        429,
        errorBody(
          `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit ${RATE_LIMIT_REQUESTS}, Used ${RATE_LIMIT_REQUESTS}, Requested 1. Please try again in ${retryAfter}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          'requests',
          null,
          'rate_limit_exceeded',
        ),
        {
          'retry-after': String(retryAfter),
          'x-ratelimit-limit-requests': String(RATE_LIMIT_REQUESTS),
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${retryAfter}s`,
          'x-ratelimit-limit-tokens': String(RATE_LIMIT_TOKENS),
          'x-ratelimit-remaining-tokens': String(RATE_LIMIT_TOKENS),
          'x-ratelimit-reset-tokens': '0s',
        },
      );
    }
    const extra: Record<string, string> =
      f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {};
    if (f.status === 500) {
      return sendError(
        c,
        started,
        500,
        errorBody(
          'The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
          'server_error',
        ),
        extra,
      );
    }
    if (f.status === 503) {
      return sendError(
        c,
        started,
        503,
        errorBody('The engine is currently overloaded, please try again later.', 'server_error'),
        extra,
      );
    }
    const type = f.status >= 500 ? 'server_error' : 'invalid_request_error';
    return sendError(c, started, f.status, errorBody(`Fake failure with status ${f.status}.`, type), extra);
  };

  app.get('/v1/models', async (c) => {
    const started = Date.now();
    const denied = checkAuth(c, started);
    if (denied) return denied;
    commonHeaders(c, started);
    return c.json({
      object: 'list',
      data: FAKE_MODELS.map((id) => ({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' })),
    });
  });

  app.get('/v1/models/:model', async (c) => {
    const started = Date.now();
    const denied = checkAuth(c, started);
    if (denied) return denied;
    const id = c.req.param('model');
    if (!(FAKE_MODELS as readonly string[]).includes(id)) {
      return sendError(
        c,
        started,
        404,
        errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found'),
      );
    }
    commonHeaders(c, started);
    return c.json({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' });
  });

  app.post('/v1/chat/completions', async (c) => {
    const started = Date.now();
    callCount++;
    await delay();
    const denied = checkAuth(c, started);
    if (denied) return denied;

    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      last = undefined;
      return sendError(
        c,
        started,
        400,
        errorBody(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
          'invalid_request_error',
        ),
      );
    }
    last = body;
    const logged = loggable(body);
    if (logged) {
      requestLog.push(logged);
      if (requestLog.length > REQUEST_LOG_SIZE) requestLog.shift();
    }

    const pending = failures[0];
    if (pending) {
      pending.count = (pending.count ?? 1) - 1;
      if (pending.count <= 0) failures.shift();
      const model = isRecord(body) && typeof body.model === 'string' ? body.model : 'gpt-4o-mini';
      return failure(c, started, pending, model);
    }

    try {
      if (!isRecord(body))
        throw invalid(`Invalid type for body: expected an object, but got ${typeName(body)} instead.`);
      const model = body.model;
      if (model === undefined || model === null || model === '') throw invalid('you must provide a model parameter');
      if (typeof model !== 'string')
        throw invalid(
          `Invalid type for 'model': expected a string, but got ${typeName(model)} instead.`,
          'model',
          'invalid_type',
        );
      const messages = validateMessages(body.messages);
      const format = validateResponseFormat(body.response_format);
      if (body.stream === true) {
        throw invalid(
          'The OpenAI fake does not implement stream=true; the drafting client must not stream.',
          'stream',
          'unsupported_value',
        );
      }
      const n = body.n ?? 1;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 128) {
        throw invalid(
          `Invalid 'n': integer out of range. Expected a value between 1 and 128, but got ${String(n)} instead.`,
          'n',
          'integer_out_of_range',
        );
      }
      const maxTokensRaw = body.max_completion_tokens ?? body.max_tokens;
      if (
        maxTokensRaw !== undefined &&
        maxTokensRaw !== null &&
        (typeof maxTokensRaw !== 'number' || !Number.isInteger(maxTokensRaw) || maxTokensRaw < 1)
      ) {
        const param = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
        throw invalid(
          `Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${String(maxTokensRaw)} instead.`,
          param,
          'integer_below_min_value',
        );
      }
      if (format.type === 'json_object' && !messages.some((m) => m.text.toLowerCase().includes('json'))) {
        throw invalid(
          "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
          'messages',
        );
      }

      // The Draftline contract: the last user message is JSON.
      const lastUser = [...messages].reverse().find((m) => m.role === 'user');
      if (!lastUser)
        throw new RequestError(
          400,
          errorBody(
            'OpenAI fake: no user message; the Draftline contract is the last user message.',
            'invalid_request_error',
            'messages',
            'fake_contract_violation',
          ),
        );
      let contract: unknown;
      try {
        contract = JSON.parse(lastUser.text);
      } catch {
        throw new RequestError(
          400,
          errorBody(
            'OpenAI fake: the last user message is not JSON; expected the Draftline contract.',
            'invalid_request_error',
            'messages',
            'fake_contract_violation',
          ),
        );
      }
      const parsed = writerInputSchema.safeParse(contract);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        throw new RequestError(
          400,
          errorBody(
            `OpenAI fake: the last user message does not match the Draftline contract: ${issues}`,
            'invalid_request_error',
            'messages',
            'fake_contract_violation',
          ),
        );
      }

      const inputKey = JSON.stringify(parsed.data);
      const occurrence = seen.get(inputKey) ?? 0;
      seen.set(inputKey, occurrence + 1);
      const result = writeReply(parsed.data, {
        plantFalseFacts: plantRate,
        seed: hashString(`occurrence:${occurrence}`, seed),
      });
      if (result.planted) planted.push(result.planted);
      // A model fills in what the schema asks for: `kind` only when the schema has it.
      const schemaProps =
        format.type === 'json_schema' && isRecord(format.schema.properties) ? format.schema.properties : {};
      const reply = orderKeys(
        {
          needsReply: result.needsReply,
          ...('kind' in schemaProps ? { kind: result.kind } : {}),
          language: result.language,
          replyText: result.replyText,
          factsUsed: result.factsUsed,
        },
        format.type === 'json_schema' ? format.schema : null,
      );
      if (format.type === 'json_schema') {
        const mismatch = schemaMismatch(reply, format.schema, format.schema, '$');
        if (mismatch) {
          throw new RequestError(
            400,
            errorBody(
              `OpenAI fake: the requested json_schema '${format.name}' does not accept the Draftline reply shape: ${mismatch}`,
              'invalid_request_error',
              'response_format',
              'fake_contract_violation',
            ),
          );
        }
      }

      let content = JSON.stringify(reply);
      let finishReason: 'stop' | 'length' = 'stop';
      let completion = estimateTokens(content);
      if (typeof maxTokensRaw === 'number' && completion > maxTokensRaw) {
        content = content.slice(0, maxTokensRaw * 4);
        completion = maxTokensRaw;
        finishReason = 'length';
      }
      const prompt = messages.reduce((sum, m) => sum + estimateTokens(m.text) + 4, 3);
      promptTokens += prompt;
      completionTokens += completion * n;

      const id = `chatcmpl-${deterministicId(seed, idCounter++, 29, BASE62)}`;
      commonHeaders(c, started);
      c.header('x-ratelimit-limit-requests', String(RATE_LIMIT_REQUESTS));
      c.header('x-ratelimit-remaining-requests', String(RATE_LIMIT_REQUESTS - 1));
      c.header('x-ratelimit-reset-requests', '6ms');
      c.header('x-ratelimit-limit-tokens', String(RATE_LIMIT_TOKENS));
      c.header('x-ratelimit-remaining-tokens', String(RATE_LIMIT_TOKENS - prompt));
      c.header('x-ratelimit-reset-tokens', '0s');
      return c.json({
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: Array.from({ length: n }, (_, index) => ({
          index,
          message: { role: 'assistant', content, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finishReason,
        })),
        usage: {
          prompt_tokens: prompt,
          completion_tokens: completion * n,
          total_tokens: prompt + completion * n,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: {
            reasoning_tokens: 0,
            audio_tokens: 0,
            accepted_prediction_tokens: 0,
            rejected_prediction_tokens: 0,
          },
        },
        service_tier: 'default',
        system_fingerprint: `fp_${deterministicId(seed, 0, 10, '0123456789abcdef')}`,
      });
    } catch (err) {
      if (err instanceof RequestError) return sendError(c, started, err.status, err.body);
      throw err;
    }
  });

  app.notFound((c) =>
    c.json(errorBody(`Invalid URL (${c.req.method} ${new URL(c.req.url).pathname})`, 'invalid_request_error'), 404),
  );

  return {
    app,
    failNext(f: FailNextOptions): void {
      failures.push({ ...f, count: f.count ?? 1 });
    },
    calls: () => callCount,
    usage: () => ({ promptTokens, completionTokens }),
    lastRequest: () => last,
    planted: () => [...planted],
    requests: () => requestLog.map((r) => ({ model: r.model, messages: r.messages.map((m) => ({ ...m })) })),
    reset(): void {
      requestLog = [];
      callCount = 0;
      idCounter = 0;
      promptTokens = 0;
      completionTokens = 0;
      last = undefined;
      failures = [];
      planted = [];
      seen = new Map();
    },
  };
}

/**
 * A `fetch` that hands every request to `app` (path and query kept, host dropped), for SDK clients
 * in tests: `new OpenAI({ apiKey, baseURL: 'http://openai.test/v1', fetch: fakeFetch(fake.app) })`.
 * `stripPrefix` removes a mount prefix from the path first (e.g. "/sandbox/openai").
 */
export function fakeFetch(app: { request: Hono['request'] }, stripPrefix = ''): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    let path = url.pathname;
    if (stripPrefix && path.startsWith(stripPrefix)) path = path.slice(stripPrefix.length) || '/';
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    return app.request(`${path}${url.search}`, { method: req.method, headers: req.headers, body, signal: req.signal });
  };
}
