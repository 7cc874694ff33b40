import type { Order } from '../src/stores/order';

/** A draft as GET /sandbox/gmail/drafts lists it (README "Sandbox contract"). */
export interface SandboxDraft {
  id: string;
  threadId: string;
  to: string;
  subject: string;
  inReplyTo: string | null;
  references: string | null;
  text: string;
}

/** The sandbox contract's calls a test or a script makes, over whatever `request` reaches the app with. */
export interface SandboxClient {
  reset(store: 'shopify' | 'woocommerce', orders: Order[]): Promise<{ accountId: string; mailbox: string }>;
  sendMail(raw: string): Promise<{ id: string; threadId: string }>;
  drafts(): Promise<SandboxDraft[]>;
}

export function sandboxClient(request: (path: string, init?: RequestInit) => Promise<Response>): SandboxClient {
  const json = async <T>(res: Response): Promise<T> => {
    if (!res.ok) throw new Error(`sandbox call failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    reset: async (store, orders) =>
      json(
        await request('/sandbox/reset', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ store, orders }),
        }),
      ),
    sendMail: async (raw) =>
      json(
        await request('/sandbox/gmail/messages', {
          method: 'POST',
          headers: { 'content-type': 'message/rfc822' },
          body: raw,
        }),
      ),
    drafts: async () => json(await request('/sandbox/gmail/drafts')),
  };
}
