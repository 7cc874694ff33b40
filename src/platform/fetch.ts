/** Every outside call goes through a fetch passed in explicitly, so tests and the sandbox can route it. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
