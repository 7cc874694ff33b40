import { beforeEach, describe, expect, it } from 'vitest';
import { bumpCounters, type CounterName } from '../../src/db/counters';
import { SKIP_REASONS } from '../../src/pipeline/filters';
import { REASONS } from '../../src/ui/skip-reasons';
import { runtimeForTest, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';

/** hono/jsx escapes text; the labels are compared as the page writes them. */
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('the dashboard names every skip reason', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  it('shows a skipped email of each reason in words, never as its code', async () => {
    const { browser, accountId } = await signIn(rt);
    const counts = Object.fromEntries(SKIP_REASONS.map((r, i) => [`skipped:${r}` satisfies CounterName, i + 1]));
    await bumpCounters(rt.services.db, accountId, counts, Date.now());

    const html = (await browser.get('/app')).html;
    const table = /Emails skipped in the last 7 days, by reason[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(table).not.toBe('');
    for (const [i, reason] of SKIP_REASONS.entries()) {
      expect(table).toMatch(
        new RegExp(
          `<td>${escaped(REASONS[reason]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>\\s*<td[^>]*>${i + 1}</td>`,
        ),
      );
      expect(table).not.toContain(`<td>${reason}</td>`);
    }
  });

  it('counts in words that agree with the number: 1 error, 2 emails', async () => {
    const { browser, accountId } = await signIn(rt);
    await bumpCounters(rt.services.db, accountId, { 'error:internal': 1, seen: 2 }, Date.now());
    const html = (await browser.get('/app')).html;
    expect(html).toMatch(/<strong>1<\/strong>\s*<span>error in 7 days<\/span>/);
    expect(html).toMatch(/<strong>2<\/strong>\s*<span>emails seen in 7 days<\/span>/);
  });
});
