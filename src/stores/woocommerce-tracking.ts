import { z } from 'zod';
import type { Order } from './order';
import { carrierLink, findCarrier, safeHttpUrl } from './woocommerce-carriers';

/**
 * Tracking numbers from WooCommerce order meta, as the tracking plugins keep them (see
 * woocommerce-carriers.ts for the plugins and their carrier lists).
 */

/** Orders can carry hundreds of meta entries (plugins, imports); we look at the first ones only. */
const MAX_META = 500;
/** Tracking entries read from one order's meta, and kept. */
const MAX_TRACKING_READ = 50;
const MAX_TRACKING = 10;

const str = (max: number) => z.string().max(max);
const optionalStr = (max: number) => str(max).optional().catch(undefined);
const MetaEntry = z.object({ key: str(200), value: z.unknown() });

/**
 * One entry of `_wc_shipment_tracking_items` as the Shipment Tracking extension and Advanced
 * Shipment Tracking write it (see woocommerce-carriers.ts): `tracking_provider` is a carrier slug
 * (or, in newer Shipment Tracking, its name), `custom_tracking_provider`/`custom_tracking_link` are
 * set for custom carriers only. A tracking number stored as a JSON number is taken only while it
 * is exact (a 22-digit USPS number is not).
 */
const TrackingItem = z.object({
  tracking_provider: optionalStr(200),
  custom_tracking_provider: optionalStr(200),
  custom_tracking_link: optionalStr(2000),
  formatted_tracking_link: optionalStr(2000),
  tracking_number: z.union([str(200), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(String)]),
  /** Unix seconds, as a string or a number (both plugins); read by woocommerce-shipments.ts. */
  date_shipped: z.unknown(),
});

/** 4 to 64 letters, digits and the separators carriers print; nothing that could break out of a URL or a sentence. */
const TRACKING_NUMBER = /^[A-Za-z0-9][A-Za-z0-9 ._/-]{2,62}[A-Za-z0-9]$/;

/** A name as a person would read it: no control characters, single spaces, at most 80 characters. */
function cleanName(value: string | undefined): string {
  return (value ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
}

/**
 * The entries of the meta value with their PHP array keys: a list (keys 0, 1, …), or an object
 * keyed 0, 2, … (PHP after an entry was deleted). TrackShip's status metas use the same keys.
 */
export function keyedEntries(value: unknown, max = MAX_TRACKING_READ): [string, unknown][] {
  if (Array.isArray(value)) return value.slice(0, max).map((v, i) => [String(i), v]);
  if (value && typeof value === 'object') return Object.entries(value).slice(0, max);
  return [];
}

/** The order's meta entries (the first MAX_META), as {key, value}; malformed ones skipped. */
export function metaEntries(meta: unknown[]): { key: string; value: unknown }[] {
  return meta.slice(0, MAX_META).flatMap((raw) => {
    const entry = MetaEntry.safeParse(raw);
    return entry.success ? [entry.data] : [];
  });
}

/** One usable entry of `_wc_shipment_tracking_items`: its tracking, its PHP key and its date_shipped as given. */
export interface TrackingEntry {
  key: string;
  tracking: Order['tracking'][number];
  dateShipped: unknown;
}

export function trackingEntries(
  meta: unknown[],
  address: { postcode: string | null; country: string | null },
): TrackingEntry[] {
  const out: TrackingEntry[] = [];
  for (const entry of metaEntries(meta)) {
    if (entry.key !== '_wc_shipment_tracking_items') continue;
    for (const [key, rawItem] of keyedEntries(entry.value)) {
      const parsed = TrackingItem.safeParse(rawItem);
      if (!parsed.success) continue;
      const item = parsed.data;
      const number = item.tracking_number.trim();
      if (!TRACKING_NUMBER.test(number)) continue;
      const custom = {
        name: cleanName(item.custom_tracking_provider),
        url: safeHttpUrl(item.custom_tracking_link?.trim() ?? ''),
      };
      let company: string;
      let url: string;
      const provider = cleanName(item.tracking_provider);
      const carrier = custom.name || !provider ? null : findCarrier(provider);
      if (custom.name) {
        // A custom carrier (Shipment Tracking: custom_tracking_provider wins whenever it is set).
        ({ name: company, url } = custom);
      } else if (carrier) {
        company = carrier.name;
        url = carrierLink(carrier, { number, ...address }) || custom.url;
      } else {
        // A slug we do not know (an AST custom carrier, a newer TrackShip one): its words, and
        // whatever link the plugin left.
        company = /[A-Z\s]/.test(provider) ? provider : provider.replace(/[-_]+/g, ' ');
        url = custom.url || safeHttpUrl(item.formatted_tracking_link?.trim() ?? '');
      }
      if (out.some(({ tracking: t }) => t.number === number && t.company === company)) continue;
      out.push({ key, tracking: { company, number, url }, dateShipped: item.date_shipped });
      if (out.length >= MAX_TRACKING) return out;
    }
  }
  return out;
}
