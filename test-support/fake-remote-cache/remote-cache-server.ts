// A self-hosted Nx remote cache for tests, speaking Nx's published OpenAPI spec
// (https://nx.dev/docs/kb/self-hosted-caching): PUT/GET /v1/cache/{hash} with tar archives as
// binary bodies, a bearer token, 409 for an entry that exists (entries are immutable). Nx points at it
// with NX_SELF_HOSTED_REMOTE_CACHE_SERVER (+ NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN). Kept in memory;
// test fixture only: it never ships in a package.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRemoteCache {
  url: string;
  token: string;
  /** Every request, in order: method, hash, status. */
  requests: { method: string; hash: string; status: number }[];
  entries: Map<string, Buffer>;
  close(): Promise<void>;
}

export async function startFakeRemoteCache(token = 'e2e-cache-token'): Promise<FakeRemoteCache> {
  const entries = new Map<string, Buffer>();
  const requests: FakeRemoteCache['requests'] = [];
  const server: Server = createServer((req, res) => {
    const match = /^\/v1\/cache\/([^/?]+)$/.exec(req.url ?? '');
    const answer = (status: number, body?: Buffer | string) => {
      requests.push({ method: req.method ?? '', hash: match?.[1] ?? req.url ?? '', status });
      res.writeHead(status, body instanceof Buffer ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (!match) return answer(404, 'not found');
    if (req.headers.authorization !== `Bearer ${token}`) return answer(403, 'missing or wrong token');
    const hash = match[1];
    if (req.method === 'GET') {
      const entry = entries.get(hash);
      return entry ? answer(200, entry) : answer(404, 'no such entry');
    }
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (entries.has(hash)) return answer(409, 'exists');
        entries.set(hash, Buffer.concat(chunks));
        answer(200);
      });
      return;
    }
    answer(405, 'method not allowed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    requests,
    entries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
