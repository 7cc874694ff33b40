import { vi } from 'vitest';
import { sampleOrder } from './runtime';
import type { Order } from '../../src/stores/order';

/** Everything printed to the console from now on (restore with vi.restoreAllMocks()). */
export function captureConsole(): string[] {
  const printed: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  }
  return printed;
}

/**
 * Every canary found in these lists of lines (log lines, queue messages, console output, …), as
 * "<canary> in <where>: <line>"; empty when none leaked.
 */
export function canariesInLines(places: Record<string, readonly string[]>, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const [where, lines] of Object.entries(places))
    for (const line of lines)
      for (const needle of needles) if (line.includes(needle)) found.push(`${needle} in ${where}: ${line}`);
  return found;
}

export interface OrderCanaries {
  senderAddress: string;
  otherAddress: string;
  orderNumber: string;
  otherOrderNumber: string;
  tracking: string;
  trackingUrl: string;
  city: string;
  item: string;
}

/** The sender's own order, full of canaries, and someone else's order the sender must never see. */
export function canaryOrders(c: OrderCanaries): { order: Order; someoneElses: Order } {
  return {
    order: sampleOrder({
      number: c.orderNumber,
      email: c.senderAddress,
      tracking: [{ company: 'CanaryPost', number: c.tracking, url: c.trackingUrl }],
      // The parcel carries the canary tracking number too (Shipment.tracking, and the prompt's
      // shipments): order data like the rest, so it must not be at rest either.
      shipments: [
        {
          status: 'in_transit',
          tracking: { company: 'CanaryPost', number: c.tracking, url: c.trackingUrl },
          shippedAt: new Date(Date.now() - 6 * 86_400_000).toISOString(),
          deliveredAt: null,
          estimatedDeliveryAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
          lastEventAt: new Date(Date.now() - 86_400_000).toISOString(),
        },
      ],
      items: [{ title: c.item, quantity: 1 }],
      shippingCity: c.city,
    }),
    someoneElses: sampleOrder({ number: c.otherOrderNumber, email: c.otherAddress, tracking: [] }),
  };
}
