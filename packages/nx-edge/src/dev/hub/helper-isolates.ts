// Miniflare gives every Worker two helper Workers of its own, each an isolate workerd creates at start
// (≈ 20 ms of a 100-Worker session's start per Worker, with the Worker itself: measured 2.2 s for 100
// trivial Workers, 0.5 s in workerd without the helpers). The hub's session needs fewer: this file says how.

/**
 * What a Worker's `fetch()` to the internet looks like from outside, as at Cloudflare and in `wrangler dev`:
 * no `CF-Connecting-IP` (the client's address never leaks on), and `CF-Worker` naming the Worker's zone.
 * Miniflare does this with one extra Worker per user Worker (its `stripCfConnectingIp`), which costs
 * workerd an isolate each — ≈ 4.5 ms of the start per Worker (0.45 s at 100 Workers, measured). The hub's
 * Workers share one such Worker instead, told each caller's zone through the outbound binding's props.
 * TCP sockets (`connect()`) pass through it untouched (`connect_pass_through`), as through Miniflare's.
 */
export const SHARED_OUTBOUND_WORKER = '__nx-edge-outbound';

const SCRIPT = `export default {
  fetch(request, env, ctx) {
    const headers = new Headers(request.headers);
    headers.delete('CF-Connecting-IP');
    const zone = ctx.props && ctx.props.zone;
    if (typeof zone === 'string') headers.set('CF-Worker', zone);
    return fetch(request, { headers });
  },
};
`;

/** The one outbound Worker of the session (its own outbound is the internet). */
export function sharedOutboundWorker(): Record<string, unknown> {
  return {
    name: SHARED_OUTBOUND_WORKER,
    modules: true,
    script: SCRIPT,
    compatibilityDate: '2025-01-01',
    compatibilityFlags: ['connect_pass_through', 'experimental'],
    stripCfConnectingIp: false,
    cache: false, // it never uses the Cache API: no cache Worker of its own
  };
}

/**
 * A Worker's Miniflare options with its outbound through the shared Worker; unchanged (false) when the
 * Worker names an outbound service of its own.
 */
export function throughSharedOutbound(options: Record<string, unknown>, workerName: string): boolean {
  if (options.outboundService !== undefined) return false;
  const zone = typeof options.zone === 'string' ? options.zone : `${workerName}.example.com`;
  options.stripCfConnectingIp = false;
  options.outboundService = { name: SHARED_OUTBOUND_WORKER, props: { zone } };
  return true;
}

/**
 * The Cache API (`caches.default`, `caches.open`) is served through a helper Worker per Worker; a bundle that never
 * names `caches` (in code or in a string) does not use it, short of building that name at run time, and gets a no-op
 * one: Miniflare's answers, from one server in the hub rather than an isolate per Worker (wrangler/noop-cache.ts;
 * 0.35 s + 0.4–0.8 s less at 100 Workers, measured). A save that starts using it restarts workerd to give it the real one.
 */
export function usesCacheApi(bundleText: string): boolean {
  return /\bcaches\b/.test(bundleText);
}
