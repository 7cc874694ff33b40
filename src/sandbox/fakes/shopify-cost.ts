/**
 * Shopify's calculated query cost, as the fake charges it. Shopify costs a query before running it
 * and refuses one whose requested cost is over 1,000 whatever the plan; the bucket is charged the
 * requested cost, then refunded down to the actual cost of what came back
 * (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, "Cost calculation"; the
 * single query limit: https://help.shopify.com/en/api/graphql-admin-api/call-limit).
 *
 * The rules, Shopify's defaults (the documented upper bound; some fields are cheaper in practice):
 * a scalar or enum costs 0, an object 1, a connection 2 plus `first` times one node, and a list
 * sized by `first` that many objects. Nested sizes multiply. A fake charging less would hide a
 * query near the limit until a real shop refused it.
 */
export const MAX_SINGLE_QUERY_COST = 1000;

/** One selected field: its arguments (variables resolved) and its own selection, if any. */
export interface SelectedField {
  name: string;
  args: Record<string, unknown>;
  selection: SelectedField[] | null;
}

/** The selection of the query's first operation, or null when the text is not one we can read. */
export function parseSelection(query: string, variables: Record<string, unknown> = {}): SelectedField[] | null {
  const tokens = tokenize(query);
  if (!tokens) return null;
  let i = tokens.indexOf('{');
  if (i < 0) return null;
  const parseSet = (depth: number): SelectedField[] | null => {
    if (tokens[i] !== '{' || depth > MAX_DEPTH) return null;
    i++;
    const fields: SelectedField[] = [];
    while (i < tokens.length && tokens[i] !== '}') {
      let name = tokens[i++]!;
      if (tokens[i] === ':') {
        i++; // an alias: the field is the next name
        name = tokens[i++]!;
      }
      if (!/^[A-Za-z_]\w*$/.test(name)) return null;
      const args: Record<string, unknown> = {};
      if (tokens[i] === '(') {
        i++;
        while (i < tokens.length && tokens[i] !== ')') {
          const arg = tokens[i++]!;
          if (tokens[i++] !== ':') return null;
          const raw = tokens[i++] ?? '';
          args[arg] = raw.startsWith('$') ? variables[raw.slice(1)] : literal(raw);
          if (tokens[i] === ',') i++;
        }
        i++;
      }
      let selection: SelectedField[] | null = null;
      if (tokens[i] === '{') {
        selection = parseSet(depth + 1);
        if (!selection) return null;
      }
      fields.push({ name, args, selection });
      if (tokens[i] === ',') i++;
    }
    if (tokens[i] !== '}') return null;
    i++;
    return fields;
  };
  return parseSet(1);
}

/** Deeper than any real query; a hostile one is refused before it can exhaust the stack. */
const MAX_DEPTH = 30;

/** What Shopify charges before running the query. */
export function requestedCost(fields: SelectedField[]): number {
  let total = 0;
  for (const f of fields) {
    if (!f.selection) continue; // scalar or enum
    const size = sizeOf(f);
    const nodes = nodeSelection(f.selection);
    if (nodes) total += 2 + (size ?? 0) * (1 + requestedCost(nodes));
    else if (size !== null) total += size * (1 + requestedCost(f.selection));
    else total += 1 + requestedCost(f.selection);
  }
  return total;
}

/** What the answer cost: the same rules over what came back (null objects and missing nodes are free). */
export function actualCost(fields: SelectedField[], data: unknown): number {
  if (!data || typeof data !== 'object') return 0;
  let total = 0;
  for (const f of fields) {
    if (!f.selection) continue;
    const value = (data as Record<string, unknown>)[f.name];
    if (value === null || value === undefined) continue;
    const nodes = nodeSelection(f.selection);
    if (nodes) {
      const list = ((value as { nodes?: unknown[] }).nodes ?? []) as unknown[];
      total += 2 + list.reduce<number>((sum, n) => sum + 1 + actualCost(nodes, n), 0);
    } else if (Array.isArray(value)) {
      total += value.reduce<number>((sum, n) => sum + 1 + actualCost(f.selection!, n), 0);
    } else {
      total += 1 + actualCost(f.selection, value);
    }
  }
  return total;
}

/** Shopify's refusal of a query over the single query limit (HTTP 200), in its own words. */
export function maxCostExceeded(cost: number) {
  return {
    message:
      `Query cost is ${cost}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).\n\n` +
      'See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n' +
      'cost of a query is calculated.\n\n' +
      'To query larger amounts of data with fewer limits, bulk operations should be used instead.\n' +
      'See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n',
    extensions: { code: 'MAX_COST_EXCEEDED', cost, maxCost: MAX_SINGLE_QUERY_COST },
  };
}

/**
 * Cuts every list and connection in `data` to the `first` its field asked for, as Shopify serves
 * it (a connection says there is more in pageInfo.hasNextPage).
 */
export function applyFirst(fields: SelectedField[], data: unknown): void {
  if (!data || typeof data !== 'object') return;
  for (const f of fields) {
    if (!f.selection) continue;
    const record = data as Record<string, unknown>;
    const value = record[f.name];
    if (value === null || value === undefined) continue;
    const size = sizeOf(f);
    const nodes = nodeSelection(f.selection);
    if (nodes) {
      const connection = value as { nodes?: unknown[]; pageInfo?: { hasNextPage: boolean } };
      const list = connection.nodes ?? [];
      if (size !== null && list.length > size) {
        connection.nodes = list.slice(0, size);
        if (connection.pageInfo) connection.pageInfo.hasNextPage = true;
      }
      for (const n of connection.nodes ?? []) applyFirst(nodes, n);
    } else if (Array.isArray(value)) {
      const list = size !== null ? value.slice(0, size) : value;
      record[f.name] = list;
      for (const n of list) applyFirst(f.selection, n);
    } else {
      applyFirst(f.selection, value);
    }
  }
}

/** `first` (or `last`) of a sized field, at most 250 as Shopify allows; null when it has neither. */
function sizeOf(f: SelectedField): number | null {
  const n = Number(f.args.first ?? f.args.last);
  return Number.isFinite(n) ? Math.min(250, Math.max(0, Math.floor(n))) : null;
}

/** A connection's node selection: `nodes { … }` or `edges { node { … } }`. */
export function nodeSelection(selection: SelectedField[]): SelectedField[] | null {
  const nodes = selection.find((f) => f.name === 'nodes');
  if (nodes?.selection) return nodes.selection;
  const edge = selection.find((f) => f.name === 'edges')?.selection?.find((f) => f.name === 'node');
  return edge?.selection ?? null;
}

function literal(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw.startsWith('"')) return raw.slice(1, -1);
  return raw; // an enum value
}

/**
 * Names, variables, numbers, strings and punctuation; comments and whitespace dropped. One pass: a
 * string always matches up to its closing quote or its line's end (so an unterminated one is not
 * rescanned from every quote in it), and an unterminated string makes the query unreadable (null).
 */
function tokenize(query: string): string[] | null {
  const out: string[] = [];
  const pattern = /#[^\n]*|"(?:[^"\\\n]|\\.)*(?<close>"?)|\$?[A-Za-z_]\w*|-?\d+(?:\.\d+)?|[{}():,!=[\]@]|\S/g;
  for (const m of query.matchAll(pattern)) {
    const token = m[0];
    if (token.startsWith('#')) continue;
    if (token.startsWith('"') && m.groups?.close !== '"') return null;
    out.push(token);
  }
  return out;
}
