/**
 * The msg-ids in a Message-ID, In-Reply-To or References header (RFC 5322 §3.6.4), in order, in
 * one pass: ids need no space between them (`<a@x><b@x>`, which some mailers write), and anything
 * inside a comment is skipped (`<id@x> (added by postmaster)`, `(see <not-an-id@x>)`). An id is
 * `<…>` without whitespace or brackets, at most MAX_ID_CHARS long; anything else is ignored.
 */
export const MAX_ID_CHARS = 250;

export function messageIdsIn(value: string | null | undefined): string[] {
  if (!value) return [];
  const ids: string[] = [];
  let depth = 0; // comment nesting
  let start = -1; // index of an open '<' outside comments, or -1
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (start >= 0) {
      if (c === '>') {
        const length = i - start - 1;
        if (length > 0 && length <= MAX_ID_CHARS) ids.push(value.slice(start, i + 1));
        start = -1;
      } else if (c === '<') start = i;
      else if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '(') {
        start = -1;
        if (c === '(') depth = 1;
      }
      continue;
    }
    if (c === '<') start = i;
    else if (c === '(') depth = 1;
  }
  return ids;
}

/**
 * At most MAX_REFERENCES: the first (the thread's root) and the latest ones, as mailers trim a long
 * References header (RFC 5322 §3.6.4 asks only that the parent's be kept), so a reply to a thread
 * of hundreds of messages stays a header of a few kilobytes.
 */
export const MAX_REFERENCES = 20;

export function trimmedReferences(ids: string[]): string[] {
  return ids.length <= MAX_REFERENCES ? ids : [ids[0]!, ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
}
