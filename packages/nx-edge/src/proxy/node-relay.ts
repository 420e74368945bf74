import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { HOP_HEADER } from './proxy-span';
import { HOP_BY_HOP, REQUEST_HOP_BY_HOP } from './relay';

const REQUEST_SKIPPED = new Set(REQUEST_HOP_BY_HOP);
const ANSWER_SKIPPED = new Set(HOP_BY_HOP);
/** First letters (lower-cased) of the hop-by-hop names: most header names are let through without lower-casing. */
const HOP_INITIALS = new Set([...HOP_BY_HOP].map((name) => name.charCodeAt(0)));

/** What the front reads of a request's head, in one pass over Node's raw header list. */
export interface RequestHead {
  /** The first Host (as Node's `req.headers.host`: later ones are dropped). */
  host: string | undefined;
  /** It carries the proxy's hop mark: it came back to the proxy. */
  marked: boolean;
  /** Its traceparent (repeats joined with ", ", as Node joins them: then it is not valid). */
  traceparent: string | undefined;
  /** Where its value sits in `headers` (-1: none). */
  traceparentAt: number;
  hasBody: boolean;
  /**
   * `[name, value, …]` as received, hop-by-hop headers and repeated Hosts and traceparents left out; other
   * repeated headers go on as they came (the Worker's `Headers` joins them, as at Cloudflare).
   */
  headers: string[];
}

/**
 * Reads a request's head without Node building its `req.headers` object (the front never needs it): one pass
 * over `req.rawHeaders`, each name lower-cased once.
 */
export function readRequestHead(req: IncomingMessage): RequestHead {
  const raw = req.rawHeaders;
  const head: RequestHead = { host: undefined, marked: false, traceparent: undefined, traceparentAt: -1, hasBody: false, headers: [] };
  const list = head.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (REQUEST_SKIPPED.has(name)) {
      if (name === 'transfer-encoding') head.hasBody = true;
      continue;
    }
    if (name === 'host') {
      if (head.host !== undefined) continue;
      head.host = value;
    } else if (name === 'traceparent') {
      if (head.traceparent !== undefined) {
        list[head.traceparentAt] = head.traceparent += `, ${value}`;
        continue;
      }
      head.traceparent = value;
      head.traceparentAt = list.length + 1;
    } else if (name === HOP_HEADER) head.marked = true;
    else if (name === 'content-length' && value !== '0') head.hasBody = true;
    list.push(raw[i], value);
  }
  return head;
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

export interface NodeRelay {
  /**
   * One request relayed to `url` with the headers `head` lists (the caller may have changed them), its body
   * streamed when it has one, the answer streamed back with backpressure. `failed` is called when the upstream
   * refused or dropped the request before its answer began (after that the client's connection is cut);
   * `closed` when the response is over or the client went away.
   */
  send(req: IncomingMessage, res: ServerResponse, url: string, head: RequestHead, failed: (err: Error) => void, closed?: () => void): void;
  close(): void;
}

/**
 * The front's relay, on Node's own HTTP client with one kept-alive agent: what the bench's bare relay does, plus
 * hop-by-hop headers left out and a failure before the answer reported. Headers go as flat lists (Node then writes
 * them without validating each again: they come from its own parser, or are the proxy's hex ids). Not undici:
 * in a process that needs nothing else, undici (with its WebAssembly parser) is 15–20 MB of its memory (RSS).
 */
export function createNodeRelay(): NodeRelay {
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

  function send(req: IncomingMessage, res: ServerResponse, url: string, head: RequestHead, failed: (err: Error) => void, closed?: () => void): void {
    const { hostname, port } = targetOf(url);
    const upstream = request({ hostname, port, path: req.url ?? '/', method: req.method ?? 'GET', headers: head.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaderList(answer));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (res.destroyed) return;
      if (res.headersSent) return void res.destroy();
      failed(err);
    });
    // Once per response (a handed-over request's next relay adds its own).
    res.once('close', () => {
      // The client went away before the answer ended: let the upstream's request go too.
      if (!res.writableFinished) upstream.destroy();
      closed?.();
    });
    if (head.hasBody) req.pipe(upstream);
    else upstream.end();
  }

  return {
    send,
    close: () => agent.destroy(),
  };
}
