import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Pool } from 'undici';

/** Headers of one hop, not forwarded (RFC 9110 §7.6.1); the agent and the server set their own. */
export const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];
/** Plus `expect`: Node's server already answered `100 continue`, and undici refuses to send it on. */
export const REQUEST_HOP_BY_HOP = [...HOP_BY_HOP, 'expect'];

type RelayedRequest = IncomingMessage & { nxEdgeHasBody?: boolean };

const hasBody = (req: IncomingMessage) => (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;

/** Whether the request carried a body (then it was consumed: it cannot be sent again after a failure). */
export function requestHadBody(req: IncomingMessage): boolean {
  return (req as RelayedRequest).nxEdgeHasBody ?? hasBody(req);
}

/**
 * Notes once, before the hop-by-hop headers are trimmed (it reads transfer-encoding), whether the request has a
 * body — a retry must know it was sent — and trims them in Node's own parsed copy of the headers (the hub's path).
 */
export function takeBodyAndTrim(req: IncomingMessage): boolean {
  const withBody = ((req as RelayedRequest).nxEdgeHasBody ??= hasBody(req));
  for (const hop of REQUEST_HOP_BY_HOP) if (hop in req.headers) delete req.headers[hop];
  return withBody;
}

/** What goes upstream besides the request's method, path and body: its headers, hop-by-hop ones already left out. */
export interface Outgoing {
  /** Node's parsed headers (the hub), or `[name, value, …]` as received (the front: repeats go on as they came). */
  headers: IncomingHttpHeaders | string[];
  /** Stream the request's body (it cannot be sent again after a failure). */
  hasBody: boolean;
}

export interface Relay {
  /**
   * One request relayed to `url` over a kept-alive pool kept per `key` (replaced when the key's address moves,
   * as a restarted Worker's does), the answer streamed back with backpressure. `failed` is called when the
   * upstream refused or dropped the request before its answer began (after that the client's connection is
   * cut); `closed` when the response is over or the client went away.
   */
  send(req: IncomingMessage, res: ServerResponse, key: string, url: string, outgoing: Outgoing, failed: (err: Error) => void, closed?: () => void): void;
  close(): void;
}

/**
 * undici's connection pool alone, loaded on the first request (≈ 75 ms of the hub's start otherwise; Miniflare
 * has undici loaded by then). Its `Pool` module, not the package's index: the front needs nothing else of undici,
 * whose fetch, websocket and cache modules are ≈ 8 MB of a process (measured).
 */
function undiciPool(): typeof import('undici').Pool {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily, as above (require keeps the module)
  return require('undici/lib/dispatcher/pool') as typeof import('undici').Pool;
}

/**
 * The dev proxy's relay, for the front and the hub alike, on undici's client. Measured in a running session
 * against a bare relay on Node's own client (bench/dev.mjs's): Node's `http.request` and its agent cost the
 * front 11–14 µs of CPU more per request than undici's pool (≈ 15 % of a relayed request); http-proxy's
 * passes and x-forwarded-* headers (which Cloudflare never sends a Worker) cost the hub 20–30 % of a bare
 * relay's throughput. Websockets do not come here (the hub's http-proxy takes them).
 */
export function createRelay(): Relay {
  const pools = new Map<string, { url: string; pool: Pool }>();
  function poolFor(key: string, url: string): Pool {
    const known = pools.get(key);
    if (known?.url === url) return known.pool;
    void known?.pool.close().catch(() => undefined);
    // No timeouts: a Worker may stream (server-sent events) or think for as long as it likes in dev.
    const pool = new (undiciPool())(url, { connections: 256, headersTimeout: 0, bodyTimeout: 0 });
    pools.set(key, { url, pool });
    return pool;
  }

  function send(req: IncomingMessage, res: ServerResponse, key: string, url: string, outgoing: Outgoing, failed: (err: Error) => void, closed?: () => void): void {
    let controller: { abort(reason: Error): void; pause(): void; resume(): void } | undefined;
    let answered = false;
    // Once per response (a request handed on after a refusal gets a second relay, with its own).
    res.once('close', () => {
      // The client went away before the answer ended: let the upstream's request go too.
      if (!answered || !res.writableFinished) controller?.abort(new Error('client closed'));
      closed?.();
    });
    const resume = () => controller?.resume();
    poolFor(key, url).dispatch(
      { path: req.url ?? '/', method: req.method ?? 'GET', headers: outgoing.headers, body: outgoing.hasBody ? req : null },
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
