import type { IncomingMessage, ServerResponse } from 'node:http';

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
 * body — a retry must know it was sent — and trims them in Node's own parsed copy of the headers (the hot path).
 */
export function takeBodyAndTrim(req: IncomingMessage): boolean {
  const withBody = ((req as RelayedRequest).nxEdgeHasBody ??= hasBody(req));
  for (const hop of REQUEST_HOP_BY_HOP) if (hop in req.headers) delete req.headers[hop];
  return withBody;
}

export interface Relay {
  /**
   * One request relayed to `url` over a kept-alive pool kept per `key`: the request's headers as they are, the
   * answer streamed back with backpressure. `failed` is called when the upstream refused or dropped the request
   * before its answer began (after that the client's connection is cut).
   */
  send(req: IncomingMessage, res: ServerResponse, key: string, url: string, failed: (err: Error) => void): void;
  close(): void;
}
