import type { FetchLike } from './fetch';

/**
 * A fetch that answers requests under `prefix` in-process (by calling `handler`) and sends every
 * other request to `fallback`. The sandbox uses it so the real clients reach the fakes mounted in
 * the same app without a network round trip; tests pass a fallback that refuses the internet.
 */
export function loopbackFetch(
  prefix: string,
  handler: (req: Request) => Response | Promise<Response>,
  fallback: FetchLike,
): FetchLike {
  return async (input, init) => {
    const req = new Request(input, init);
    return req.url.startsWith(prefix) ? handler(req) : fallback(req);
  };
}

/** For tests: any request that would leave the process fails loudly. */
export const refuseNetwork: FetchLike = async (input) => {
  const url = input instanceof Request ? input.url : String(input);
  throw new Error(`network access refused in tests: ${new URL(url).origin}`);
};
