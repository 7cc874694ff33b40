import OpenAI from 'openai';
import { z } from 'zod';
import type { FetchLike } from '../platform/fetch';
import { DRAFT_KINDS } from './kinds';
import { REPLY_SCHEMA, SYSTEM_PROMPT, buildUserMessage, type ReplyInput } from './prompt';

/** The LLM's structured answer. Lives in memory only; it becomes the draft or is dropped. */
export const ReplyOutput = z.object({
  needsReply: z.boolean(),
  kind: z.enum(DRAFT_KINDS),
  language: z.string().min(2).max(8),
  replyText: z.string().max(8000),
  factsUsed: z.array(z.string().max(500)).max(50),
});
export type ReplyOutput = z.infer<typeof ReplyOutput>;

export interface ReplyWriter {
  /** `problem` names what a previous attempt got wrong (the fact guard's finding), for one retry. */
  write(input: ReplyInput, problem?: string): Promise<ReplyOutput>;
}

export class LlmError extends Error {
  constructor(
    readonly code: 'invalid_output' | 'refused' | 'api',
    readonly status: number | null = null,
    readonly retryable = false,
    /** What the endpoint asked for in Retry-After, in seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`LLM call failed: ${code}${status ? ` (${status})` : ''}`);
    this.name = 'LlmError';
  }
}

export interface ReplyWriterOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  fetch: FetchLike;
  timeoutMs?: number;
  maxOutputTokens?: number;
}

export function createReplyWriter(opts: ReplyWriterOptions): ReplyWriter {
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseUrl,
    fetch: opts.fetch as typeof fetch,
    timeout: opts.timeoutMs ?? 30_000,
    // Retries belong to the pipeline (src/pipeline/failures.ts), which also owns backoff and counting.
    maxRetries: 0,
  });

  return {
    async write(input, problem) {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'system', content: SYSTEM_PROMPT },
        ...(problem
          ? [
              {
                role: 'system' as const,
                content: `Your previous draft was rejected: ${problem}. Use only the facts given.`,
              },
            ]
          : []),
        { role: 'user', content: buildUserMessage(input) },
      ];
      let completion: OpenAI.ChatCompletion;
      try {
        completion = await client.chat.completions.create({
          model: opts.model,
          messages,
          store: false,
          temperature: 0.2,
          max_completion_tokens: opts.maxOutputTokens ?? 800,
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'draft_reply', strict: true, schema: REPLY_SCHEMA },
          },
        });
      } catch (err) {
        // The SDK's messages quote the server's body, which may echo the prompt: keep only the status.
        const status = err instanceof OpenAI.APIError && typeof err.status === 'number' ? err.status : null;
        const retryAfter = err instanceof OpenAI.APIError ? retryAfterSeconds(err.headers?.get('retry-after')) : null;
        // 429 insufficient_quota is a billing problem, not a rate: waiting does not help.
        const quota = err instanceof OpenAI.APIError && err.code === 'insufficient_quota';
        const retryable =
          !quota && (status === null || status === 408 || status === 409 || status === 429 || status >= 500);
        throw new LlmError('api', status, retryable, retryable ? retryAfter : null);
      }
      const choice = completion.choices[0];
      if (!choice || choice.message.refusal) throw new LlmError('refused');
      let parsed: unknown;
      try {
        parsed = JSON.parse(choice.message.content ?? '');
      } catch {
        throw new LlmError('invalid_output');
      }
      const result = ReplyOutput.safeParse(parsed);
      if (!result.success) throw new LlmError('invalid_output');
      return result.data;
    },
  };
}

function retryAfterSeconds(value: string | null | undefined): number | null {
  if (!value || !/^\d+(\.\d+)?$/.test(value.trim())) return null;
  return Math.ceil(Number(value));
}
