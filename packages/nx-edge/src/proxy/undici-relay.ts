import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Pool } from 'undici';
import { HOP_BY_HOP, takeBodyAndTrim, type Relay } from './relay';

/**
 * The hub's relay. Measured (bench/dev.mjs): http-proxy's passes and x-forwarded-* headers (which
 * Cloudflare never sends a Worker) cost 20–30 % of a bare Node relay's throughput, and undici's client costs a
 * quarter less CPU per request than node:http's in the hub's process (it loads undici anyway, with Miniflare);
 * websockets still go through http-proxy.
 */
export function createUndiciRelay(): Relay {
  // One pool per key, replaced when its address changes (a restart moves a Worker to a new port).
  const pools = new Map<string, { url: string; pool: Pool }>();
  function poolFor(key: string, url: string): Pool {
    const known = pools.get(key);
    if (known?.url === url) return known.pool;
    void known?.pool.close().catch(() => undefined);
    // Loaded on the first request, not with the hub (≈ 75 ms of the hub's start, measured); Miniflare has it loaded by then.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily, as above
    const { Pool: UndiciPool } = require('undici') as typeof import('undici');
    // No timeouts: a Worker may stream (server-sent events) or think for as long as it likes in dev.
    const pool = new UndiciPool(url, { connections: 256, headersTimeout: 0, bodyTimeout: 0 });
    pools.set(key, { url, pool });
    return pool;
  }

  function send(req: IncomingMessage, res: ServerResponse, key: string, url: string, failed: (err: Error) => void): void {
    const withBody = takeBodyAndTrim(req);
    const headers = req.headers;
    let controller: { abort(reason: Error): void; pause(): void; resume(): void } | undefined;
    let answered = false;
    // The client went away before the answer ended: let the upstream's request go too.
    res.once('close', () => {
      if (!answered || !res.writableFinished) controller?.abort(new Error('client closed'));
    });
    const resume = () => controller?.resume();
    poolFor(key, url).dispatch(
      { path: req.url ?? '/', method: req.method ?? 'GET', headers, body: withBody ? req : null },
      {
        onRequestStart(c) {
          controller = c;
        },
        onResponseStart(_c, statusCode, answerHeaders, statusMessage) {
          for (const hop of HOP_BY_HOP) if (hop in answerHeaders) delete answerHeaders[hop];
          res.writeHead(statusCode, statusMessage, answerHeaders as OutgoingHttpHeaders);
        },
        onResponseData(c, chunk) {
          if (!res.write(chunk)) {
            c.pause();
            res.once('drain', resume);
          }
        },
        onResponseEnd() {
          answered = true;
          res.end();
        },
        onResponseError(_c, err) {
          if (res.destroyed) return;
          if (res.headersSent) return void res.destroy();
          failed(err);
        },
      },
    );
  }

  return {
    send,
    close: () => {
      for (const { pool } of pools.values()) void pool.destroy().catch(() => undefined);
      pools.clear();
    },
  };
}
