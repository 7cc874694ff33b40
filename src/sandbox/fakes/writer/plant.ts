/**
 * The fake model's liar mode: inventions that look like the real fact they replace, so the fact
 * guard is tested against plausible lies (a tracking number of the right shape, a date a few days
 * off, another status, a return window of another length).
 */
export interface PlantedFact {
  kind: 'tracking' | 'date' | 'status' | 'invented_tracking' | 'return_window' | 'return_day';
  /** The true value replaced ("" when the fact was invented from nothing). */
  original: string;
  invented: string;
}

export type StatusKey = 'fulfilled' | 'unfulfilled' | 'partial' | 'delivered' | 'unknown';

/** The sentence a fulfilment status gets, or null for a word the templates do not know. */
export function statusKey(status: string): StatusKey | null {
  const s = status.toLowerCase().replace(/[\s-]+/g, '_');
  if (s === 'unknown') return 'unknown';
  if (s === 'fulfilled' || s === 'shipped' || s === 'completed' || s === 'in_transit' || s === 'out_for_delivery')
    return 'fulfilled';
  if (
    s === 'unfulfilled' ||
    s === '' ||
    s === 'null' ||
    s === 'processing' ||
    s === 'pending' ||
    s === 'on_hold' ||
    s === 'unshipped' ||
    s === 'ready_to_ship'
  )
    return 'unfulfilled';
  if (s === 'partially_fulfilled' || s === 'partial') return 'partial';
  if (s === 'delivered') return 'delivered';
  return null;
}

const INVENTED_STATUSES = ['delivered', 'fulfilled', 'unfulfilled', 'partially_fulfilled'] as const;

/** A status different from `status`. */
export function differentStatus(status: string, rand: () => number): string {
  const options = INVENTED_STATUSES.filter((s) => statusKey(s) !== statusKey(status));
  return options[Math.floor(rand() * options.length)] ?? 'delivered';
}

/** Same shape as the real tracking number, different digits. */
export function inventTrackingNumber(real: string, rand: () => number): string {
  let out = '';
  for (const ch of real) {
    if (ch >= '0' && ch <= '9') out += String((Number(ch) + 1 + Math.floor(rand() * 8)) % 10);
    else out += ch;
  }
  return out === real ? `${real}7` : out;
}

/** A YYYY-MM-DD date 3 to 22 days before or after `real`. */
export function inventDate(real: string, rand: () => number): string {
  const base = Date.parse(`${real}T12:00:00Z`);
  const start = Number.isNaN(base) ? Date.UTC(2026, 0, 15) : base;
  const shift = (3 + Math.floor(rand() * 20)) * 86_400_000 * (rand() < 0.5 ? -1 : 1);
  return new Date(start + shift).toISOString().slice(0, 10);
}

/** A return window of another common length (the classic complaint: 30 days quoted to customers who have 45). */
export function inventWindowDays(real: number, rand: () => number): number {
  const options = [14, 28, 30, 45, 60, 90, 100].filter((d) => d !== real);
  return options[Math.floor(rand() * options.length)]!;
}

/** A UPS-looking tracking number from nothing. */
export function inventTrackingFromNothing(rand: () => number): string {
  let digits = '';
  for (let i = 0; i < 16; i++) digits += String(Math.floor(rand() * 10));
  return `1Z${digits}`;
}
