/**
 * Plain text from an HTML-only e-mail body, for the same trimming as plain-text mail: paragraphs
 * and line breaks become lines, <blockquote> content becomes "> " quoted lines (so Gmail's and
 * Apple Mail's quoted history is dropped by latest-text.ts like any other quote), an <hr> becomes
 * an Outlook-style rule, entities are decoded, scripts, styles, comments and declarations
 * (<!DOCTYPE …>, <?xml …?>) are dropped, links keep their text only.
 *
 * The HTML is hostile: it is read in one forward scan, in time linear in its length. Every search
 * (indexOf, or a regular expression from a set lastIndex) starts where the previous one ended and
 * either moves the scan past what it found or, when it finds nothing, ends the scan, since what it
 * looked for is then nowhere in the rest of the document. Nothing is ever searched for twice.
 */

const BLOCK_TAGS = new Set([
  'address',
  'article',
  'aside',
  'center',
  'dd',
  'div',
  'dl',
  'dt',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
]);
const PARAGRAPH_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol']);

/** Elements whose content is never the customer's words, each with the end tag that closes it. */
const DROPPED_CONTENT = new Map(
  ['head', 'style', 'script', 'title', 'template'].map((name) => [name, new RegExp(`</${name}\\s*>`, 'gi')]),
);

/**
 * Quote levels drawn as "> " per line. latest-text.ts only needs to see that a line is quoted;
 * without a cap, 40,000 nested <blockquote>s and as many <br>s would make gigabytes of "> ".
 */
const MAX_QUOTE_DEPTH = 32;

/** Tag names as the old pattern read them: a letter, then up to 15 letters or digits. */
const MAX_TAG_NAME = 16;

/** HTML 4 Latin-1 entities, in code point order from 160 (&nbsp;) to 255 (&yuml;). */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(
    ' ',
  );
const ENTITIES = new Map<string, string>([
  ...LATIN1.map((name, i) => [name, String.fromCodePoint(160 + i)] as [string, string]),
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['euro', '€'],
  ['OElig', 'Œ'],
  ['oelig', 'œ'],
  ['hellip', '…'],
  ['mdash', '—'],
  ['ndash', '–'],
  ['lsquo', '‘'],
  ['rsquo', '’'],
  ['ldquo', '“'],
  ['rdquo', '”'],
  ['sbquo', '‚'],
  ['bdquo', '„'],
  ['bull', '•'],
  ['trade', '™'],
  ['zwnj', ''],
  ['zwj', ''],
  ['thinsp', '\u2009'],
  ['ensp', '\u2002'],
  ['emsp', '\u2003'],
]);

// Every alternative is bounded (at most 33 characters after the "&"): linear on any input.
const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/gi;

export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return ENTITIES.get(body) ?? ENTITIES.get(body.toLowerCase()) ?? whole;
  });
}

/**
 * Where HTML whitespace needs collapsing to one space: a run of two or more, or a lone tab or line
 * break. A lone space is left alone, so ordinary text (and a megabyte of "<a <a <a …") makes no
 * replacements at all.
 */
const COLLAPSIBLE = /[ \t\r\n]{2,}|[\t\r\n]/g;
const collapse = (text: string) => text.replace(COLLAPSIBLE, ' ');

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
/** What `\b` counts as a word character: a tag name must not run on into one. */
const isWordChar = (c: number) => isLetter(c) || isDigit(c) || c === 95;

interface TagName {
  name: string;
  closing: boolean;
  /** Index just after the name, where the search for the tag's ">" starts. */
  end: number;
}

/** The tag name after the "<" at `lt` ("<p", "</div"), or null when that "<" is just text ("a < b"). */
function tagNameAt(html: string, lt: number): TagName | null {
  const closing = html.charCodeAt(lt + 1) === 47; // "/"
  const start = lt + (closing ? 2 : 1);
  if (!isLetter(html.charCodeAt(start))) return null;
  let end = start + 1;
  while (end < start + MAX_TAG_NAME && (isLetter(html.charCodeAt(end)) || isDigit(html.charCodeAt(end)))) end++;
  // A longer name, or one glued to "_", is no tag: "<" stays text.
  if (isWordChar(html.charCodeAt(end))) return null;
  return { name: html.slice(start, end).toLowerCase(), closing, end };
}

export function htmlToText(html: string): string {
  const lines: string[] = [];
  let line = '';
  let depth = 0;
  const prefix = () => '> '.repeat(Math.min(depth, MAX_QUOTE_DEPTH));
  const flush = (force = false) => {
    const text = collapse(line).trim();
    line = '';
    if (!text && !force) return;
    lines.push(`${prefix()}${text}`.trimEnd());
  };

  /** Start of the text not yet taken into `pending`. */
  let textStart = 0;
  /**
   * Text since the last tag, not yet decoded. Comments, declarations and dropped elements vanish
   * from it as if they had never been there ("&am<!-- -->p;" is "&"), as they always have.
   */
  let pending = '';
  const addText = (end: number) => {
    if (end > textStart) pending += html.slice(textStart, end);
  };
  const takeText = () => {
    line += decodeEntities(collapse(pending));
    pending = '';
  };
  /** Where the rest of the document stops counting as text (an unclosed comment or element drops it). */
  let textEnd = html.length;
  /** Dropped elements whose end tag is not in the rest of the document: never looked for again. */
  const unclosed = new Set<string>();

  let at = 0;
  for (let lt = html.indexOf('<', at); lt >= 0; lt = html.indexOf('<', at)) {
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      addText(lt);
      // An unclosed comment runs to the end of the document, as in browsers.
      if (close < 0) {
        textStart = textEnd = html.length;
        break;
      }
      textStart = at = close + 3;
      continue;
    }
    // "<!DOCTYPE …>", "<![if …]>", "<?xml …?>": declarations, never text.
    const declaration = html.startsWith('<!', lt) || html.startsWith('<?', lt);
    const tag = declaration ? null : tagNameAt(html, lt);
    if (!declaration && !tag) {
      at = lt + 1; // a "<" that opens nothing: text
      continue;
    }
    const gt = html.indexOf('>', tag ? tag.end : lt + 2);
    if (gt < 0) {
      // No ">" in the rest of the document, so no tag, comment or declaration can end there
      // either: all of it is text, except from an (necessarily unclosed) comment on.
      const comment = html.indexOf('<!--', lt);
      if (comment >= 0) textEnd = comment;
      break;
    }
    addText(lt);
    textStart = at = gt + 1;
    if (!tag) continue;

    const { name, closing } = tag;
    const endTag = DROPPED_CONTENT.get(name);
    if (endTag && !closing) {
      if (!unclosed.has(name)) {
        endTag.lastIndex = gt + 1;
        const end = endTag.exec(html);
        if (end) {
          textStart = at = end.index + end[0].length;
          continue;
        }
        unclosed.add(name);
      }
      // An unclosed <style>, <script>, <title> or <template> holds the rest of the document, as
      // in browsers. An unclosed <head> does not: browsers end it where the body's content
      // starts, so its tag is ignored and the text after it read.
      if (name !== 'head') {
        textStart = textEnd = html.length;
        break;
      }
      continue;
    }
    takeText();
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
      if (closing && PARAGRAPH_TAGS.has(name)) lines.push(prefix().trimEnd());
    }
  }
  addText(textEnd);
  takeText();
  flush();
  // Stray "<" of a broken tag stays as text; runs of blank lines collapse to one.
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
