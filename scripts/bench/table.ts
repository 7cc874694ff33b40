/** A plain-text table: one row per figure, with its target when it has one. */
export interface Row {
  metric: string;
  value: string;
  target?: string;
  note?: string;
}

export function formatTable(rows: Row[]): string {
  const header: Row = { metric: 'metric', value: 'value', target: 'target', note: 'note' };
  const all = [header, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => (r[k] ?? '').length));
  const w = { metric: width('metric'), value: width('value'), target: width('target') };
  const line = (r: Row) =>
    `${r.metric.padEnd(w.metric)}  ${r.value.padStart(w.value)}  ${(r.target ?? '').padEnd(w.target)}  ${r.note ?? ''}`.trimEnd();
  return [line(header), '-'.repeat(w.metric + w.value + w.target + 10), ...rows.map(line)].join('\n');
}
