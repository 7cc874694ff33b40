/** A plain-text table: one row per figure, with its target and whether it is met when it has one. */
export interface Row {
  metric: string;
  value: string;
  target?: string;
  /** Whether the value meets the target (computed by the caller, never typed in). */
  met?: boolean;
  note?: string;
}

export function formatTable(rows: Row[]): string {
  const cells = (r: Row) => ({
    metric: r.metric,
    value: r.value,
    target: r.target ?? '',
    met: r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    note: r.note ?? '',
  });
  const header = { metric: 'metric', value: 'value', target: 'target', met: 'met', note: 'note' };
  const all = [header, ...rows.map(cells)];
  const width = (k: 'metric' | 'value' | 'target' | 'met') => Math.max(...all.map((r) => r[k].length));
  const w = { metric: width('metric'), value: width('value'), target: width('target'), met: width('met') };
  const line = (r: typeof header) =>
    `${r.metric.padEnd(w.metric)}  ${r.value.padStart(w.value)}  ${r.target.padEnd(w.target)}  ${r.met.padEnd(w.met)}  ${r.note}`.trimEnd();
  return [line(header), '-'.repeat(w.metric + w.value + w.target + w.met + 12), ...all.slice(1).map(line)].join('\n');
}
