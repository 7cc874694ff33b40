import { Hono } from 'hono';

/** A fake DNS-over-HTTPS JSON resolver (the cloudflare-dns.com/dns-query shape). Unknown names: NXDOMAIN. */
export function createDohFake(records: Record<string, string[]>) {
  const app = new Hono();
  app.get('/dns-query', (c) => {
    const name = (c.req.query('name') ?? '').toLowerCase();
    const type = c.req.query('type') === 'AAAA' ? 28 : 1;
    const all = records[name];
    if (!all) return c.json({ Status: 3, Answer: [] });
    const answers = all.filter((a) => (type === 28 ? a.includes(':') : !a.includes(':')));
    return c.json({ Status: 0, Answer: answers.map((data) => ({ name, type, TTL: 300, data })) });
  });
  return app;
}
