import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema';
import { DRAFT_KINDS, parseDraftKinds } from '../../src/drafting/kinds';
import { createReplyWriter } from '../../src/drafting/llm';
import { REPLY_SCHEMA } from '../../src/drafting/prompt';
import { syncAccount } from '../../src/pipeline/sync';
import { createOpenAIFake, DEFAULT_FAKE_API_KEY, fakeFetch } from '../../src/sandbox/fakes/openai';
import { classifyKind, DRAFT_KINDS as FAKE_KINDS } from '../../src/sandbox/fakes/openai-writer';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

describe('draft kinds setting', () => {
  it('reads the comma list, ignoring case, spaces and unknown words', () => {
    expect([...parseDraftKinds('order_status, Returns,bogus,,cancellation')]).toEqual([
      'order_status',
      'returns',
      'cancellation',
    ]);
    expect(parseDraftKinds('').size).toBe(0);
    expect(parseDraftKinds(DRAFT_KINDS.join(',')).size).toBe(DRAFT_KINDS.length);
  });

  it('is the same list the fake model and the reply schema use', () => {
    expect([...FAKE_KINDS]).toEqual([...DRAFT_KINDS]);
    expect(REPLY_SCHEMA.properties.kind.enum).toEqual([...DRAFT_KINDS]);
    expect(REPLY_SCHEMA.required).toContain('kind');
  });
});

describe('the fake model classifies kinds from the customer’s words', () => {
  it.each([
    ['en', 'Where is my order #1042? It has not arrived.', 'order_status'],
    ['en', 'I would like to return the mug and get a refund.', 'returns'],
    ['en', 'Please change the delivery address to 5 High Street.', 'address_change'],
    ['en', 'Please cancel my order 1042.', 'cancellation'],
    ['en', 'Do you sell gift cards?', 'other'],
    ['fr', 'Où est ma commande ? Je n’ai pas reçu le colis.', 'order_status'],
    ['fr', 'Je voudrais retourner cet article et être remboursé.', 'returns'],
    ['fr', 'Pouvez-vous modifier l’adresse de livraison ?', 'address_change'],
    ['fr', 'Je souhaite annuler ma commande.', 'cancellation'],
    ['de', 'Wo ist meine Bestellung? Das Paket ist nicht angekommen.', 'order_status'],
    ['de', 'Ich möchte die Tasse zurücksenden.', 'returns'],
    ['de', 'Bitte ändern Sie die Lieferadresse.', 'address_change'],
    ['de', 'Bitte stornieren Sie meine Bestellung.', 'cancellation'],
    ['es', '¿Dónde está mi pedido? No he recibido el paquete.', 'order_status'],
    ['es', 'Quiero devolver el producto.', 'returns'],
    ['es', 'Necesito cambiar la dirección de envío.', 'address_change'],
    ['es', 'Quiero cancelar mi pedido.', 'cancellation'],
    ['it', "Dov'è il mio ordine? Il pacco non è arrivato.", 'order_status'],
    ['it', 'Vorrei fare un reso e avere un rimborso.', 'returns'],
    ['it', "Posso cambiare l'indirizzo di consegna?", 'address_change'],
    ['it', "Vorrei annullare l'ordine.", 'cancellation'],
    ['nl', 'Waar is mijn bestelling? Het pakket is niet bezorgd.', 'order_status'],
    ['nl', 'Ik wil het artikel terugsturen.', 'returns'],
    ['nl', 'Kunt u het adres wijzigen?', 'address_change'],
    ['nl', 'Ik wil mijn bestelling annuleren.', 'cancellation'],
  ])('%s: %s → %s', (_lang, message, kind) => {
    expect(classifyKind(message)).toBe(kind);
  });
});

describe('the kind in the structured answer', () => {
  it('comes back from the model through the real client, as the schema asks', async () => {
    const fake = createOpenAIFake();
    const writer = createReplyWriter({
      apiKey: DEFAULT_FAKE_API_KEY,
      baseUrl: 'http://openai.test/v1',
      model: 'gpt-4o-mini',
      fetch: fakeFetch(fake.app),
    });
    const reply = await writer.write({
      customer: { name: 'Jane', message: 'Bitte stornieren Sie meine Bestellung 1042.' },
      orderLookup: 'no_reference',
      orders: [],
      unmatchedNumbers: [],
      policies: {},
      merchant: { shopName: 'Shop', tone: 'friendly', signOffName: 'Sam', fallbackLanguage: 'en' },
      today: '2026-12-01',
    });
    expect(reply.kind).toBe('cancellation');
    expect(reply.language).toBe('de');
  });
});

describe('kinds the merchant did not enable get no draft', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const setKinds = (draftKinds: string) =>
    p.rt.services.db.update(accounts).set({ draftKinds }).where(eq(accounts.id, p.accountId));

  it('drafts order questions but not returns when only order_status is enabled', async () => {
    await setKinds('order_status');
    const status = p.deliver(question(1));
    p.deliver(question(2, { body: 'Bonjour, je voudrais retourner ma commande n°1042 et être remboursée.' }));
    await syncAccount(p.rt.services, p.accountId);
    const drafts = p.google.drafts(p.mailbox);
    expect(drafts.map((d) => d.threadId)).toEqual([status.threadId]);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'skipped:kind_disabled': 1 });
  });

  it('does not even ask the model when no kind is enabled', async () => {
    await setKinds('');
    p.deliver(question(1));
    const calls = p.rt.sandbox!.fakes.openai.calls();
    await syncAccount(p.rt.services, p.accountId);
    expect(p.rt.sandbox!.fakes.openai.calls()).toBe(calls);
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect(await p.counters()).toMatchObject({ 'skipped:kind_disabled': 1 });
  });
});
