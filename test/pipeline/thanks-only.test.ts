import { describe, expect, it } from 'vitest';
import { isThanksOnly, type MessagePreview } from '../../src/pipeline/thanks-only';

/**
 * The preview decides only what it provably holds whole; everything else goes to the model. Each
 * "no" case is one rule: break it and the case fails.
 */
const preview = (snippet: string, o: Partial<MessagePreview> = {}): MessagePreview => ({
  snippet,
  mimeType: 'text/plain',
  subject: 'Re: Where is my order?',
  from: 'Camille Doe <camille@customer.example>',
  answersShop: true,
  ...o,
});
const QUOTE = 'On Mon, Nov 24, 2025 at 10:02 AM Sam at Bench Shop &lt;shop@bench.example&gt; wrote:';

describe('a plain thank-you in the preview', () => {
  it.each([
    'Thank you so much!',
    'Thanks a lot :)',
    'Hi, thanks again for your help! Camille',
    'Thank you! Camille Doe',
    'Merci beaucoup ! Bonne journée',
    'Vielen Dank für Ihre Hilfe! Liebe Grüße',
    'Muchas gracias',
    'Grazie mille!',
    'Dank je wel',
    'Thank you! Sent from my iPhone',
    'Thank you!! 🙏',
    'Thanks ❤️',
    // Gmail HTML-escapes the preview.
    'Thanks &amp; best wishes',
  ])('%s', (snippet) => {
    expect(isThanksOnly(preview(snippet))).toBe(true);
  });

  it('ends at the quoted history when its attribution (with an address) is in the preview', () => {
    const snippet = `Thank you so much! ${QUOTE} &gt; Hi Camille, your order shipped and should arrive in 3 to 5 days. &gt; Sam`;
    expect(isThanksOnly(preview(snippet))).toBe(true);
    const french =
      'Merci ! Le lun. 24 nov. 2025 à 10:02, Sam &lt;shop@bench.example&gt; a écrit : &gt; Bonjour Camille, votre commande est partie et devrait arriver sous 3 à 5 jours.';
    expect(isThanksOnly(preview(french))).toBe(true);
  });
});

describe('what goes to the model instead', () => {
  it.each([
    ['a question', 'Thanks! Any news?'],
    ['a question mark of another script', 'Gracias ¿'],
    ['more than thanks', 'Thank you, but the mug arrived broken'],
    ['thanks for something named', 'Thanks for the refund'],
    ['no thanks at all', 'Hi Camille'],
    ['a refusal', 'No thank you'],
    ['a name that is not the sender’s', 'Thanks, Robert'],
    ['the sender’s name inside the sentence, not signing it', 'Thanks Camille for nothing'],
    ['words of two languages', 'Merci, je'],
    ['a digit (the order number the shop asked for)', 'Thanks! #4521'],
    ['an unkind emoji', 'Thanks 😡'],
    ['a sad face', 'Thanks a lot :('],
    ['a long preview with no attribution in it: it may go on', `Thank you so much ${'so much '.repeat(10)}`],
    [
      'an attribution without an address ("On 12 May I wrote:")',
      'Thanks! On 12 May I wrote: the mug arrived broken. Still no refund, please',
    ],
    [
      'the customer’s own words that look like an attribution',
      'Danke! Am 3. Mai schrieb mir Ihr Kollege, dass die Erstattung kommt. Bis heute ist nichts passiert, bitte prüfen',
    ],
    ['an attribution the quote does not follow', `Thanks! ${QUOTE} the mug is broken though, can you replace it`],
    ['an empty preview', ''],
  ])('%s', (_, snippet) => {
    expect(isThanksOnly(preview(snippet))).toBe(false);
  });

  it('a message that did not answer the shop in its thread (a "Re:" subject proves nothing)', () => {
    expect(isThanksOnly(preview('Thank you!', { answersShop: false }))).toBe(false);
  });

  it('a message that may carry an image or attachment', () => {
    expect(isThanksOnly(preview('Thank you!', { mimeType: 'multipart/mixed' }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { mimeType: 'text/html' }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { mimeType: null }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { mimeType: 'multipart/alternative' }))).toBe(true);
  });

  it('a new subject (it may be the question) or none', () => {
    expect(isThanksOnly(preview('Thank you!', { subject: 'My order arrived broken' }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { subject: 'Ref: a new question' }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { subject: undefined }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { subject: 'AW: Bestellung' }))).toBe(true);
  });

  it('a preview far longer than Gmail ever sends', () => {
    expect(isThanksOnly(preview(`Thanks! ${QUOTE} ${'x'.repeat(2000)}`))).toBe(false);
  });

  it('a hostile subject: only its start is read (a run of spaces backtracked quadratically)', () => {
    // Deterministic, not timed: the same answer for a subject that would have taken seconds.
    expect(isThanksOnly(preview('Thank you!', { subject: `re${' '.repeat(200_000)}x` }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { subject: `Re: ${' '.repeat(200_000)}` }))).toBe(true);
  });
});
