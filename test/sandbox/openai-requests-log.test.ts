import { beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIFake, DEFAULT_FAKE_API_KEY, REQUEST_LOG_SIZE } from '../../src/sandbox/fakes/openai';
import { customerMail, LIVE_ENV, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * GET /sandbox/openai/requests: the chat requests the fake model received since the last reset,
 * exactly as Draftline sent them, so anyone can see what a model is given. Sandbox only.
 */
describe('GET /sandbox/openai/requests', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
    await rt.reset('shopify', [sampleOrder()]);
  });

  const requests = async () => {
    const res = await rt.request('/sandbox/openai/requests');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    return (await res.json()) as unknown[];
  };

  it('lists each chat request as {model, messages: [{role, content}]}, the document as the last user message', async () => {
    expect(await requests()).toEqual([]);
    await rt.sendMail(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Order',
        body: 'Hi, where is my order #1042?',
        messageId: '<r1@example.net>',
      }),
    );
    const log = await requests();
    expect(log).toHaveLength(1);
    const [entry] = log as { model: string; messages: { role: string; content: string }[] }[];
    expect(Object.keys(entry!).sort()).toEqual(['messages', 'model']);
    expect(typeof entry!.model).toBe('string');
    expect(entry!.model.length).toBeGreaterThan(0);
    for (const m of entry!.messages) expect(Object.keys(m).sort()).toEqual(['content', 'role']);
    expect(entry!.messages[0]!.role).toBe('system');
    const user = entry!.messages.at(-1)!;
    expect(user.role).toBe('user');
    const document = JSON.parse(user.content) as { customer: { message: string } };
    expect(document.customer.message).toContain('where is my order #1042?');
  });

  it('is emptied by POST /sandbox/reset', async () => {
    await rt.sendMail(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Order',
        body: 'Where is my order #1042?',
        messageId: '<r2@example.net>',
      }),
    );
    expect(await requests()).toHaveLength(1);
    await rt.reset('shopify', [sampleOrder()]);
    expect(await requests()).toEqual([]);
  });
});

describe('the fake’s requests log', () => {
  it(`keeps only the latest ${REQUEST_LOG_SIZE}, oldest first, and copies out (callers cannot change it)`, async () => {
    const fake = createOpenAIFake();
    const post = (i: number) =>
      fake.app.request('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${DEFAULT_FAKE_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: [{ type: 'text', text: `not the document ${i}` }] }],
        }),
      });
    for (let i = 0; i < REQUEST_LOG_SIZE + 5; i++) await post(i);
    const log = fake.requests();
    expect(log).toHaveLength(REQUEST_LOG_SIZE);
    expect(log[0]!.messages[0]).toEqual({ role: 'user', content: 'not the document 5' });
    expect(log.at(-1)!.messages[0]!.content).toBe(`not the document ${REQUEST_LOG_SIZE + 4}`);
    log[0]!.messages[0]!.content = 'changed';
    expect(fake.requests()[0]!.messages[0]!.content).toBe('not the document 5');
    fake.reset();
    expect(fake.requests()).toEqual([]);
  });
});

describe('GET /sandbox/openai/requests in live mode', () => {
  it('answers 404', async () => {
    const rt = await runtimeForTest(LIVE_ENV);
    expect((await rt.request('/sandbox/openai/requests')).status).toBe(404);
  });
});
