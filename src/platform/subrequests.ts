import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchLike } from './fetch';
import type { JobQueue } from './queue';

/**
 * Counts the subrequests of one unit of work (a sync), as Workers counts them: every outgoing
 * fetch, the database's HTTP statements included. Work started inside `metered` carries its meter
 * through every await (AsyncLocalStorage, which Workers offers under nodejs_compat); fetches made
 * outside any meter are not counted.
 */
export interface SubrequestMeter {
  count: number;
  /** The meter of the work this runs inside (a sync inside its queue invocation), counted too. */
  readonly parent?: SubrequestMeter;
}

const meters = new AsyncLocalStorage<SubrequestMeter>();

const countOne = () => {
  for (let meter = meters.getStore(); meter; meter = meter.parent) meter.count++;
};

export function meteredFetch(fetch: FetchLike): FetchLike {
  return (input, init) => {
    countOne();
    return fetch(input, init);
  };
}

/** A send to a Cloudflare Queue is a subrequest too (a call to a Cloudflare service), one per send or sendBatch. */
export function meteredQueue(queue: JobQueue): JobQueue {
  const { sendBatch } = queue;
  return {
    send: (message) => (countOne(), queue.send(message)),
    ...(sendBatch && { sendBatch: (messages) => (countOne(), sendBatch.call(queue, messages)) }),
  };
}

export function metered<T>(run: (meter: SubrequestMeter) => Promise<T>): Promise<T> {
  const meter: SubrequestMeter = { count: 0, parent: meters.getStore() };
  return meters.run(meter, () => run(meter));
}
