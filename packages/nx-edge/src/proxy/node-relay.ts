import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { HOP_BY_HOP, REQUEST_HOP_BY_HOP, requestHadBody, type Relay } from './relay';

const REQUEST_SKIPPED = new Set(REQUEST_HOP_BY_HOP);
const ANSWER_SKIPPED = new Set(HOP_BY_HOP);
/** First letters (lower-cased) of the hop-by-hop names: most header names are let through without lower-casing. */
const HOP_INITIALS = new Set([...HOP_BY_HOP].map((name) => name.charCodeAt(0)));

/** The request's headers as a flat [name, value, …] list, hop-by-hop ones left out (Node's parsed, lower-cased copy). */
function requestHeaderList(req: IncomingMessage): string[] {
  const list: string[] = [];
  const headers = req.headers;
  for (const name in headers) {
    if (REQUEST_SKIPPED.has(name)) continue;
    const value = headers[name];
    if (typeof value === 'string') list.push(name, value);
    else if (value) for (const one of value) list.push(name, one);
  }
  return list;
}

/** The answer's headers as received (names as the Worker wrote them, repeats kept), hop-by-hop ones left out. */
function answerHeaderList(answer: IncomingMessage): string[] {
  const raw = answer.rawHeaders;
  const list: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (HOP_INITIALS.has(name.charCodeAt(0) | 32) && ANSWER_SKIPPED.has(name.toLowerCase())) continue;
    list.push(name, raw[i + 1]);
  }
  return list;
}

/**
 * The front's relay, on Node's own HTTP client with one kept-alive agent: what the bench's bare relay does, plus
 * hop-by-hop headers left out and a failure before the answer reported. Headers go as flat lists (Node then writes
 * them without validating each again: they come from its own parser, or are the proxy's hex ids). Not undici:
 * in a process that needs nothing else, undici (with its WebAssembly parser) is 15–20 MB of its memory (RSS).
 */
export function createNodeRelay(): Relay {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const targets = new Map<string, { hostname: string; port: number }>();
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { hostname: parsed.hostname, port: Number(parsed.port) || 80 };
      targets.set(url, target);
    }
    return target;
  };

  function send(req: IncomingMessage, res: ServerResponse, _key: string, url: string, failed: (err: Error) => void): void {
    const { hostname, port } = targetOf(url);
    const upstream = request({ hostname, port, path: req.url ?? '/', method: req.method ?? 'GET', headers: requestHeaderList(req), agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaderList(answer));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (res.destroyed) return;
      if (res.headersSent) return void res.destroy();
      failed(err);
    });
    // The client went away before the answer ended: let the upstream's request go too.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (requestHadBody(req)) req.pipe(upstream);
    else upstream.end();
  }

  return {
    send,
    close: () => agent.destroy(),
  };
}
