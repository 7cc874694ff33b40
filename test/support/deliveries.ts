import type { Delivery } from '../../src/platform/queue';

/**
 * Queue deliveries as a consumer is handed them, each recording how it was settled:
 * `name:ack`, or `name:retry` with the delay asked for when there is one.
 */
export function deliveryRecorder() {
  const settled: string[] = [];
  const delivery = (name: string, body: object, attempts = 1): Delivery => ({
    body,
    attempts,
    ack: () => void settled.push(`${name}:ack`),
    retry: (o) =>
      void settled.push(o?.delaySeconds === undefined ? `${name}:retry` : `${name}:retry ${o.delaySeconds}`),
  });
  return { settled, delivery };
}
