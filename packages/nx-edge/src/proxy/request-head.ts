import type { IncomingMessage } from 'node:http';
import { HOP_HEADER } from './proxy-span';
import { REQUEST_HOP_BY_HOP } from './relay';

const REQUEST_SKIPPED = new Set(REQUEST_HOP_BY_HOP);

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
