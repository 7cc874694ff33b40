/**
 * Plain text from an HTML-only e-mail body, for the same trimming as plain-text mail: paragraphs
 * and line breaks become lines, <blockquote> content becomes "> " quoted lines (so Gmail's and
 * Apple Mail's quoted history is dropped by latest-text.ts like any other quote), an <hr> becomes
 * an Outlook-style rule, entities are decoded, scripts, styles and comments are dropped, links keep
 * their text only. A single pass over the tags, no backtracking-prone patterns: safe on hostile input.
 */

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'center', 'dd', 'div', 'dl', 'dt', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5',
  'h6', 'header', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
]);
const PARAGRAPH_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol']);
const DROPPED_CONTENT = /<(head|style|script|title|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;

/** HTML 4 Latin-1 entities, in code point order from 160 (&nbsp;) to 255 (&yuml;). */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(' ');
const ENTITIES = new Map<string, string>([
  ...LATIN1.map((name, i) => [name, String.fromCodePoint(160 + i)] as [string, string]),
  ['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['euro', '€'], ['OElig', 'Œ'], ['oelig', 'œ'],
  ['hellip', '…'], ['mdash', '—'], ['ndash', '–'], ['lsquo', '‘'], ['rsquo', '’'], ['ldquo', '“'], ['rdquo', '”'],
  ['sbquo', '‚'], ['bdquo', '„'], ['bull', '•'], ['trade', '™'], ['zwnj', ''], ['zwj', ''], ['thinsp', '\u2009'], ['ensp', '\u2002'], ['emsp', '\u2003'],
]);

export function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return ENTITIES.get(body) ?? ENTITIES.get(body.toLowerCase()) ?? whole;
  });
}

export function htmlToText(html: string): string {
  const source = html.replace(/<!--[\s\S]*?(?:-->|$)/g, '').replace(DROPPED_CONTENT, '');
  const lines: string[] = [];
  let line = '';
  let depth = 0;
  const flush = (force = false) => {
    const text = line.replace(/[ \t\r\n]+/g, ' ').trim();
    line = '';
    if (!text && !force) return;
    lines.push(`${'> '.repeat(depth)}${text}`.trimEnd());
  };
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]{0,15})\b[^>]*>/g;
  let last = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    line += decodeEntities(source.slice(last, m.index).replace(/[ \t\r\n]+/g, ' '));
    last = tag.lastIndex;
    const closing = m[1] === '/';
    const name = m[2]!.toLowerCase();
    if (name === 'br') flush(true);
    else if (name === 'hr') {
      flush();
      lines.push('________________________________');
    } else if (name === 'blockquote') {
      flush();
      depth = Math.max(0, depth + (closing ? -1 : 1));
    } else if (name === 'li') {
      flush();
      if (!closing) line = '- ';
    } else if (BLOCK_TAGS.has(name)) {
      flush();
      if (closing && PARAGRAPH_TAGS.has(name)) lines.push('> '.repeat(depth).trimEnd());
    }
  }
  line += decodeEntities(source.slice(last).replace(/[ \t\r\n]+/g, ' '));
  flush();
  // Stray "<" of a broken tag stays as text; runs of blank lines collapse to one.
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
