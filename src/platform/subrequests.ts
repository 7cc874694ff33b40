import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchLike } from './fetch';

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

export function meteredFetch(fetch: FetchLike): FetchLike {
  return (input, init) => {
    for (let meter = meters.getStore(); meter; meter = meter.parent) meter.count++;
    return fetch(input, init);
  };
}

export function metered<T>(run: (meter: SubrequestMeter) => Promise<T>): Promise<T> {
  const meter: SubrequestMeter = { count: 0, parent: meters.getStore() };
  return meters.run(meter, () => run(meter));
}
