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
  ...o,
});

describe('a plain thank-you in the preview', () => {
  it.each([
    'Thank you so much!',
    'Thanks a lot :)',
    'Hi, thanks again for your help! Camille',
    'Merci beaucoup ! Bonne journée',
    'Vielen Dank für Ihre Hilfe! Liebe Grüße',
    'Muchas gracias',
    'Grazie mille!',
    'Hartelijk dank',
    'Thank you! Sent from my iPhone',
    'Thank you!! 🙏',
    // Gmail HTML-escapes the preview.
    'Thanks &amp; best wishes',
  ])('%s', (snippet) => {
    expect(isThanksOnly(preview(snippet))).toBe(true);
  });

  it('ends at the quoted history when its attribution is in the preview', () => {
    const snippet =
      'Thank you so much! On Mon, Nov 24, 2025 at 10:02 AM Sam at Bench Shop &lt;shop@bench.example&gt; wrote: &gt; Hi Camille, your order shipped and should arrive in 3 to 5 days. &gt; Sam';
    expect(isThanksOnly(preview(snippet))).toBe(true);
    const french =
      'Merci ! Le lun. 24 nov. 2025 à 10:02, Sam &lt;shop@bench.example&gt; a écrit : &gt; Bonjour Camille, votre commande est partie et devrait arriver sous 3 à 5 jours.';
    expect(isThanksOnly(preview(french))).toBe(true);
  });
});

describe('what goes to the model instead', () => {
  it.each([
    ['a question', 'Thanks! Any news?'],
    ['more than thanks', 'Thank you, but the mug arrived broken'],
    ['thanks for something named', 'Thanks for the refund'],
    ['no thanks at all', 'Hi Camille'],
    ['a refusal', 'No thank you'],
    ['a name that is not the sender’s', 'Thanks, Robert'],
    ['a long preview with no attribution in it: it may go on', `Thank you so much ${'so much '.repeat(10)}`],
    [
      'an attribution without a date or address ("On Monday I wrote:")',
      `Thanks! On Monday I wrote: ${'x '.repeat(60)}`,
    ],
    ['an empty preview', ''],
  ])('%s', (_, snippet) => {
    expect(isThanksOnly(preview(snippet))).toBe(false);
  });

  it('a message with attachments (the photo may be the question)', () => {
    expect(isThanksOnly(preview('Thank you!', { mimeType: 'multipart/mixed' }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { mimeType: null }))).toBe(false);
  });

  it('a new subject (it may be the question) or none', () => {
    expect(isThanksOnly(preview('Thank you!', { subject: 'My order arrived broken' }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { subject: undefined }))).toBe(false);
    expect(isThanksOnly(preview('Thank you!', { subject: 'AW: Bestellung' }))).toBe(true);
  });

  it('a preview far longer than Gmail ever sends', () => {
    expect(isThanksOnly(preview(`Thanks! On 1 Jan 2025 a@b wrote: ${'x'.repeat(2000)}`))).toBe(false);
  });
});
