import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi, type TailEvent as ApiTailEvent } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import type { LogRecord } from '../logs/log-record';
import { createTailEventReader, recordsFromTailEvent, type TailEvent } from './tail-event';
import { startTailSessions, wranglerTailArgs, type TailTarget } from './tail-session';
import { spawnWranglerTail } from '../wrangler/wrangler-tail';

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';

/** What a request through a → b → c looks like in each Worker's tail: b and c get the traceparent a sent. */
function hop(script: string, trace: string, opts: { entry?: boolean; outcome?: ApiTailEvent['outcome']; status?: number } = {}): ApiTailEvent {
  const now = Date.now();
  const service = script.replace(/-staging$/, '');
  return {
    scriptName: script,
    outcome: opts.outcome ?? 'ok',
    eventTimestamp: now,
    event: {
      request: { url: `https://${script}.acme.workers.dev/orders?id=7`, method: 'GET', headers: opts.entry ? { accept: '*/*' } : { traceparent: `00-${trace}-00f067aa0ba902b7-01` } },
      response: { status: opts.status ?? 200 },
    },
    logs: [{ message: [JSON.stringify({ time: new Date(now).toISOString(), level: 'info', service, trace_id: trace, span_id: 'aaaaaaaaaaaaaaaa', message: `${service} handled order`, order: 7 })], level: 'log', timestamp: now }],
    exceptions: opts.outcome === 'exception' ? [{ name: 'TypeError', message: 'x is undefined', timestamp: now }] : [],
    diagnosticsChannelEvents: [],
  };
}

describe('recordsFromTailEvent', () => {
  it('turns an event into its request line, its console lines and its exceptions, all with the trace id', () => {
    const records = recordsFromTailEvent(hop('b-staging', TRACE_A, { outcome: 'exception', status: 500 }), 'b');
    expect(records.map((r) => [r.service, r.level, r.message, r.trace_id])).toEqual([
      ['b', 'error', 'GET /orders?id=7 → 500', TRACE_A],
      ['b', 'info', 'b handled order', TRACE_A],
      ['b', 'error', 'TypeError: x is undefined', TRACE_A],
    ]);
    expect(records[0].fields).toEqual({ outcome: 'exception' });
    expect(records[1].fields).toEqual({ order: 7 });
  });

  it('takes the trace id of the entry Worker (no traceparent) from its log lines, and a plain console.error is an error', () => {
    const event = hop('a-staging', TRACE_A, { entry: true }) as TailEvent;
    event.logs!.push({ message: ['payment declined', { code: 51 }], level: 'error', timestamp: 1 });
    const records = recordsFromTailEvent(event, 'a');
    expect(records.map((r) => r.trace_id)).toEqual([TRACE_A, TRACE_A, TRACE_A]);
    expect(records[2]).toMatchObject({ level: 'error', message: 'payment declined {"code":51}' });
  });

  it('describes a cron invocation', () => {
    const [head] = recordsFromTailEvent({ outcome: 'ok', eventTimestamp: 5, event: { cron: '*/5 * * * *' }, logs: [], exceptions: [] }, 'jobs');
    expect(head).toMatchObject({ message: 'scheduled "*/5 * * * *" → ok', level: 'info', time: 5 });
  });
});

describe('createTailEventReader', () => {
  it("reassembles wrangler's indented JSON events and passes other lines on as text", () => {
    const events: TailEvent[] = [];
    const text: string[] = [];
    const read = createTailEventReader((e) => events.push(e), (l) => text.push(l));
    const printed = `▲ [WARNING] something\n${JSON.stringify(hop('a-staging', TRACE_A), null, 4)}\n${JSON.stringify({ outcome: 'ok' })}\n`;
    for (const line of printed.split('\n')) read(line);
    expect(events.map((e) => e.scriptName ?? e.outcome)).toEqual(['a-staging', 'ok']);
    expect(text).toEqual(['▲ [WARNING] something']);
  });
});

describe('wranglerTailArgs', () => {
  it('passes the filters the API applies to wrangler, never the trace filter', () => {
    expect(wranglerTailArgs('a-staging', { status: ['error'], method: ['POST'], search: 'order', sample: 0.1, trace: TRACE_A })).toEqual([
      'tail', 'a-staging', '--format', 'json', '--status', 'error', '--method', 'POST', '--search', 'order', '--sampling-rate', '0.1',
    ]);
  });
});

describe('stopping', () => {
  /** A wrangler that a terminal's Ctrl-C already reached: it ends by itself after `endsAfterMs`. */
  function endingChild(endsAfterMs: number, kills: string[]) {
    const child = Object.assign(new EventEmitter(), {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      kill: (signal?: NodeJS.Signals) => (kills.push(signal ?? 'SIGTERM'), true),
    });
    setTimeout(() => {
      child.stdout.end();
      child.stderr.end();
      child.emit('close', 0, null);
    }, endsAfterMs);
    return child;
  }

  it('with a grace period, wranglers that end by themselves get no second SIGINT (a late one kills wrangler 4.106+ mid-exit)', async () => {
    const kills: string[] = [];
    const sessions = startTailSessions([{ project: 'a', worker: 'a-staging' }], { filters: {}, spawnTail: () => endingChild(50, kills), onRecord: () => undefined });
    const ends = await sessions.stop(1000);
    expect(kills).toEqual([]);
    expect(ends.map((e) => [e.code, e.early])).toEqual([[0, false]]);
  });

  it('without one (or after it), each wrangler still running is asked with SIGINT', async () => {
    const kills: string[] = [];
    const sessions = startTailSessions([{ project: 'a', worker: 'a-staging' }], { filters: {}, spawnTail: () => endingChild(200, kills), onRecord: () => undefined });
    await sessions.stop(50);
    expect(kills).toEqual(['SIGINT']);
  });
});

describe('startTailSessions with the real wrangler against the fake API', () => {
  let api: FakeCloudflareApi;
  let dir: string;
  const targets: TailTarget[] = ['a', 'b', 'c'].map((p) => ({ project: p, worker: `${p}-staging` }));
  const wrangler = join(__dirname, '..', '..', '..', '..', 'node_modules', 'wrangler', 'bin', 'wrangler.js');

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-tail-'));
    for (const t of targets) {
      const form = new FormData();
      form.set('metadata', JSON.stringify({ main_module: 'index.js', bindings: [] }));
      await fetch(`${api.url}/accounts/${api.accountId}/workers/scripts/${t.worker}`, { method: 'PUT', body: form, headers: { authorization: `Bearer ${api.token}` } });
    }
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (filters: Parameters<typeof startTailSessions>[1]['filters'], withPreload = true) => {
    const records: LogRecord[] = [];
    const sessions = startTailSessions(targets, {
      filters,
      spawnTail: (args) => spawnWranglerTail(dir, args, { wranglerBin: wrangler, env: { ...process.env, ...fakeApiEnv(api) }, preload: withPreload }),
      onRecord: (r) => records.push(r),
    });
    return { sessions, records };
  };
  const connected = async (count: number) => {
    for (let i = 0; i < 300; i++) {
      if (api.openTails().filter((t) => t.connected).length === count) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`tails never connected: ${JSON.stringify(api.allTails())}`);
  };
  const settle = async (records: LogRecord[], count: number) => {
    for (let i = 0; i < 200 && records.length < count; i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('--trace prints only that request, from all three Workers; Ctrl-C leaves no tail session open at the API', async () => {
    const { sessions, records } = start({ trace: TRACE_A });
    await connected(3);
    for (const trace of [TRACE_B, TRACE_A]) {
      api.emitTail(hop('a-staging', trace, { entry: true }));
      api.emitTail(hop('b-staging', trace));
      api.emitTail(hop('c-staging', trace));
    }
    await settle(records, 6);
    expect(records.map((r) => `${r.service} ${r.message}`).sort()).toEqual([
      'a GET /orders?id=7 → 200', 'a a handled order', 'b GET /orders?id=7 → 200', 'b b handled order', 'c GET /orders?id=7 → 200', 'c c handled order',
    ]);
    expect(new Set(records.map((r) => r.trace_id))).toEqual(new Set([TRACE_A]));
    const ends = await sessions.stop();
    expect(ends.map((e) => [e.target.project, e.code, e.early]), JSON.stringify(ends.map((e) => e.output))).toEqual([['a', 0, false], ['b', 0, false], ['c', 0, false]]);
    expect(api.openTails()).toEqual([]);
    expect(api.calls('/tails/', 'DELETE').map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('a Ctrl-C while the sessions are still being created closes them too, once they exist', async () => {
    const before = api.allTails().length;
    const { sessions } = start({});
    for (let i = 0; i < 300 && api.allTails().length === before; i++) await new Promise((r) => setTimeout(r, 10));
    const ends = await sessions.stop();
    expect(ends.map((e) => e.code)).toEqual([0, 0, 0]);
    expect(api.allTails().length - before).toBe(3);
    expect(api.openTails()).toEqual([]);
  });

  it('--level keeps the lines at that level or above, from every Worker', async () => {
    const { sessions, records } = start({ level: 'warn' });
    await connected(3);
    api.emitTail(hop('a-staging', TRACE_A, { entry: true }));
    api.emitTail(hop('c-staging', TRACE_A, { outcome: 'exception', status: 500 }));
    api.emitTail(hop('b-staging', TRACE_A, { status: 404 }));
    await settle(records, 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(records.map((r) => `${r.service} ${r.level} ${r.message}`).sort()).toEqual(['b warn GET /orders?id=7 → 404', 'c error GET /orders?id=7 → 500', 'c error TypeError: x is undefined']);
    await sessions.stop();
    expect(api.openTails()).toEqual([]);
  });

  it('--status=error is applied by the API: only failed invocations arrive', async () => {
    const { sessions, records } = start({ status: ['error'] });
    await connected(3);
    api.emitTail(hop('a-staging', TRACE_A, { entry: true }));
    api.emitTail(hop('b-staging', TRACE_A, { outcome: 'exception', status: 500 }));
    await settle(records, 3);
    expect(records.map((r) => `${r.service} ${r.level} ${r.message}`)).toEqual(['b error GET /orders?id=7 → 500', 'b info b handled order', 'b error TypeError: x is undefined']);
    expect(api.openTails().map((t) => t.filters)).toEqual([[{ outcome: ['exception', 'exceededCpu', 'exceededMemory', 'unknown'] }], [{ outcome: ['exception', 'exceededCpu', 'exceededMemory', 'unknown'] }], [{ outcome: ['exception', 'exceededCpu', 'exceededMemory', 'unknown'] }]]);
    await sessions.stop();
    expect(api.openTails()).toEqual([]);
  });

  it('a session the API refuses with 429 (budget spent) is opened again after a wait, and says so', async () => {
    api.inject({ method: 'POST', path: '/workers/scripts/b-staging/tails', rateLimited: true, times: 1 });
    const records: LogRecord[] = [];
    const lines: string[] = [];
    const sessions = startTailSessions(targets, {
      filters: {},
      spawnTail: (args) => spawnWranglerTail(dir, args, { wranglerBin: wrangler, env: { ...process.env, ...fakeApiEnv(api) } }),
      onRecord: (r) => records.push(r),
      rateLimit: { waits: [200, 400, 800], report: (l) => void lines.push(l) },
    });
    await connected(3);
    expect(lines).toEqual(["nx-edge: Cloudflare's API rate limit reached during wrangler tail b-staging: waiting 0 s before trying again (1 of 3)."]);
    api.emitTail(hop('b-staging', TRACE_A));
    await settle(records, 2);
    expect(records.map((r) => r.service)).toEqual(['b', 'b']);
    const ends = await sessions.stop();
    expect(ends.map((e) => e.early)).toEqual([false, false, false]);
    expect(api.openTails()).toEqual([]);
  });

  it('a Worker the API does not know ends its session early with wrangler’s reason; the others go on', async () => {
    const records: LogRecord[] = [];
    const early: string[] = [];
    const sessions = startTailSessions([...targets.slice(0, 1), { project: 'gone', worker: 'gone-staging' }], {
      filters: {},
      spawnTail: (args) => spawnWranglerTail(dir, args, { wranglerBin: wrangler, env: { ...process.env, ...fakeApiEnv(api) } }),
      onRecord: (r) => records.push(r),
      onEarlyEnd: (end) => early.push(`${end.target.project} ${end.code} ${end.output.join(' ')}`),
    });
    await connected(1);
    for (let i = 0; i < 200 && early.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(early[0]).toMatch(/^gone 1 .*This Worker does not exist on your account/);
    api.emitTail(hop('a-staging', TRACE_A, { entry: true }));
    await settle(records, 2);
    expect(records).toHaveLength(2);
    await sessions.stop();
    expect(api.openTails()).toEqual([]);
  });
});
