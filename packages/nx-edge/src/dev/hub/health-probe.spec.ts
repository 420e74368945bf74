import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../../test-support/fake-clock';
import { probeOnce, resolveProbe, waitUntilHealthy } from './health-probe';
import type { ProbeResult } from '../protocol';

const servers: { close(cb?: () => void): unknown }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

function http(status: number): Promise<number> {
  return new Promise((resolve) => {
    const server: Server = createHttpServer((req, res) => res.writeHead(req.url === '/health' ? status : 404).end());
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('health probes', () => {
  it('http: the expected status, or any status below 500, with what was seen', async () => {
    const port = await http(503);
    const target = { host: '127.0.0.1', port };
    const strict = await probeOnce(target, { type: 'http', path: '/health', status: 200 });
    expect(strict.ok).toBe(false);
    expect(strict.observation).toMatch(/^GET \/health → 503 \(\d+ ms\)$/);
    expect((await probeOnce(target, { type: 'http', path: '/' })).ok).toBe(true); // 404 < 500
  });

  it('tcp: open or the connection error', async () => {
    const port = await http(200);
    expect(await probeOnce({ host: '127.0.0.1', port }, { type: 'tcp' })).toEqual({ ok: true, observation: `tcp 127.0.0.1:${port} → open` });
    const closed = await closedPort();
    expect((await probeOnce({ host: '127.0.0.1', port: closed }, { type: 'tcp' })).observation).toBe(`tcp 127.0.0.1:${closed} → connect ECONNREFUSED 127.0.0.1:${closed}`);
  });

  it('waits through failed attempts at the interval, and gives up with the last observation', async () => {
    const clock = createFakeClock();
    const seen: ProbeResult[] = [];
    let calls = 0;
    const flaky = async (): Promise<ProbeResult> => (++calls < 3 ? { ok: false, observation: `refused #${calls}` } : { ok: true, observation: 'open' });
    const waiting = waitUntilHealthy({ host: 'h', port: 1 }, { type: 'tcp', intervalMs: 100 }, { clock, probe: flaky, onAttempt: (r) => seen.push(r) });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
    expect(await waiting).toEqual({ ok: true, observation: 'open' });
    expect(seen.map((r) => r.observation)).toEqual(['refused #1', 'refused #2', 'open']);

    const never = async (): Promise<ProbeResult> => ({ ok: false, observation: 'GET /health → 500' });
    const failing = waitUntilHealthy({ host: 'h', port: 1 }, { type: 'http', retries: 2, intervalMs: 10 }, { clock, probe: never });
    await new Promise((r) => setImmediate(r));
    clock.advance(10);
    await expect(failing).rejects.toThrow('not healthy after 2 attempts; last: GET /health → 500');
  });

  it('defaults: Workers and services with a port connect, without one nothing to probe', () => {
    expect(resolveProbe(undefined, 'worker', true)).toEqual({ type: 'tcp' });
    expect(resolveProbe(undefined, 'service', true)).toEqual({ type: 'tcp' });
    expect(resolveProbe(undefined, 'service', false)).toBeUndefined();
    expect(resolveProbe({ type: 'http', path: '/up' }, 'service', true)).toEqual({ type: 'http', path: '/up' });
  });
});
