import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Span } from '../traces/trace-store';
import { isUserError } from '../utils/user-error';
import { startProxyFront } from './front-process';
import { decodeProxySpan, isProxySpanTuple } from './proxy-span';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listening(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function get(port: number, host: string, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

const alive = (pid: number | undefined) => {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the dev proxy's front process", () => {
  it('serves the routes it is told on its own port, hands its spans over when asked, is started again on that port when it dies, and ends on close', async () => {
    const workerUrl = await listening(createServer((_req, res) => res.end('from the worker')));
    const hubUrl = await listening(createServer((_req, res) => res.end('from the hub')));
    const spans: Span[] = [];
    const exits: string[] = [];
    const front = await startProxyFront({ port: 0, hubUrl, onSpans: (s) => spans.push(...s.map(decodeProxySpan)), onExit: (m) => exits.push(m) });
    let closed = false;
    cleanups.push(() => (closed ? undefined : front.close()));
    const routes = { routes: { users: { service: 'users', ready: true, url: workerUrl, worker: true } }, settled: true };
    front.update(routes);
    await expect.poll(() => get(front.port, 'users.localhost')).toBe('from the worker');
    expect(await get(front.port, 'localhost')).toBe('from the hub');
    await expect.poll(async () => (await front.drain(), spans.length)).toBeGreaterThan(0);
    expect(spans[0]).toMatchObject({ service: 'users', kind: 'proxy', name: 'GET /', status: 200 });

    const first = front.pid;
    process.kill(first!, 'SIGKILL');
    await expect.poll(() => exits.length, { timeout: 10_000 }).toBe(1);
    expect(exits[0]).toMatch(new RegExp(`^the dev proxy's front process ended \\(SIGKILL\\); starting it again on port ${front.port}$`));
    await expect.poll(() => front.pid !== first && alive(front.pid), { timeout: 10_000 }).toBe(true);
    // Told the routes it had before, without a new update.
    await expect.poll(() => get(front.port, 'users.localhost').catch(() => ''), { timeout: 10_000 }).toBe('from the worker');

    const pid = front.pid;
    await front.close();
    closed = true;
    expect(alive(pid)).toBe(false);
    expect(exits).toHaveLength(1);
  }, 30_000);

  it('writes its spans to the session archive itself, holds them for the hub until asked (or while followed), and reports the archive cut at its bound', async () => {
    const workerUrl = await listening(createServer((_req, res) => res.end('ok')));
    const hubUrl = await listening(createServer((_req, res) => res.end('hub')));
    const dir = mkdtempSync(join(tmpdir(), 'nx-edge-front-archive-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'proxy-spans.jsonl');
    const taken: string[][] = [];
    let cuts = 0;
    const front = await startProxyFront({
      port: 0,
      hubUrl,
      onSpans: (s) => taken.push(s.map((t) => decodeProxySpan(t).name)),
      archive: { file, maxBytes: 64 * 1024 },
      onArchiveCut: () => cuts++,
    });
    cleanups.push(() => front.close());
    front.update({ routes: { users: { service: 'users', ready: true, url: workerUrl, worker: true } }, settled: true });
    await expect.poll(() => get(front.port, 'users.localhost').catch(() => '')).toBe('ok');
    await get(front.port, 'users.localhost', '/held');
    await new Promise((r) => setTimeout(r, 300)); // past its batching: held, not sent
    expect(taken).toEqual([]);
    await front.drain();
    expect(taken.flat()).toContain('GET /held');

    front.follow(true);
    await get(front.port, 'users.localhost', '/followed');
    await expect.poll(() => taken.flat()).toContain('GET /followed');
    front.follow(false);

    // The archive: a line per batch, each a JSON array of span tuples, written within a second.
    await expect.poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : ''), { timeout: 5000 }).toContain('/followed');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown[]);
    expect(lines.every((batch) => Array.isArray(batch) && batch.every(isProxySpanTuple))).toBe(true);

    // Past its bound the front writes no more and says so once.
    const long = '/x'.repeat(4000);
    for (let i = 0; i < 100 && cuts === 0; i++) await get(front.port, 'users.localhost', long);
    await expect.poll(() => cuts, { timeout: 5000 }).toBe(1);
    expect(statSync(file).size).toBeLessThanOrEqual(64 * 1024);
  }, 30_000);

  it('a drain the front cannot answer (it died) still ends', async () => {
    const hubUrl = await listening(createServer((_req, res) => res.end('hub')));
    const front = await startProxyFront({ port: 0, hubUrl, onSpans: () => undefined });
    cleanups.push(() => front.close());
    const pid = front.pid!;
    process.kill(pid, 'SIGKILL');
    await front.drain(); // asked of a front that is dying: settled by its exit, never left waiting (nor the hub crashed)
    await expect.poll(() => front.pid !== pid && alive(front.pid), { timeout: 10_000 }).toBe(true);
  }, 30_000);

  it('reports a taken port as the user error the hub reported before', async () => {
    const taken = createServer();
    const url = await listening(taken);
    const port = Number(new URL(url).port);
    const error = await startProxyFront({ port, hubUrl: url, onSpans: () => undefined }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe(`port ${port} on 127.0.0.1 is in use (another nx-edge dev, perhaps of another workspace, or another program) — stop it, or pass --proxyPort <free port> to use another port`);
  }, 30_000);

  it('never outlives the hub: a hub killed outright takes its front with it', async () => {
    // A stand-in hub in a process of its own, killed with SIGKILL (no cleanup of its own runs).
    const script = `require(${JSON.stringify(join(__dirname, 'front-process.ts'))}).startProxyFront({ port: 0, hubUrl: 'http://127.0.0.1:1', onSpans() {} }).then((f) => console.log(f.pid));`;
    const hub = spawn(process.execPath, ['--require', require.resolve('@swc-node/register'), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void hub.kill('SIGKILL'));
    const frontPid = await new Promise<number>((resolve) => hub.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    expect(alive(frontPid)).toBe(true);
    hub.kill('SIGKILL');
    await expect.poll(() => alive(frontPid), { timeout: 10_000 }).toBe(false);
  }, 30_000);
});
