import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer, type McpDeps } from './mcp-server';
import type { SessionApi } from './hub-session';
import type { CliRunner } from './cli-runner';
import { listSessions, openSession, recordSession } from '../dev/archive/session-archive';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const SECRET = 'sk_live_do_not_leak_42';

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'nx-edge-mcp-'));
  mkdirSync(join(root, 'apps/api'), { recursive: true });
  writeFileSync(join(root, 'apps/api/.dev.vars'), `API_KEY=${SECRET}\n`);
  return root;
}

async function connect(deps: Partial<McpDeps> & { workspaceRoot: string }): Promise<Client> {
  const server = createMcpServer({ version: '0.0.0-test', session: () => undefined, run: async () => ({ exitCode: 0, lines: [], moreLines: 0, stderr: '', stopped: false }), workspace: () => ({ workers: [], edges: [] }), past: { list: () => [], open: () => undefined }, ...deps });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'spec', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  return client;
}

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0].text;

/** A session whose Worker answers with hostile text: an ESC sequence and its own secret. */
function fakeSession(calls: string[]): SessionApi {
  return {
    async get(path) {
      calls.push(`GET ${path}`);
      if (path === '/__nx-edge/status') return [{ service: 'api', kind: 'worker', state: 'healthy', restarts: 0, hosts: ['api'] }];
      if (path === '/__nx-edge/services/api') return { service: 'api', root: 'apps/api', vars: [{ name: 'API_KEY', value: '••••••', secret: true }] };
      if (path.startsWith('/__nx-edge/logs')) return Array.from({ length: 3 }, (_, i) => ({ time: i, service: 'api', level: 'info', message: i === 1 ? 'boom \x1b[2J cleared' : `line ${i}` }));
      if (path.startsWith('/__nx-edge/traces/')) return { traceId: path.slice(-32), spans: [{ service: 'api' }], logs: [] };
      return [];
    },
    async act(service, action) {
      calls.push(`POST ${service}/${action}`);
      return { status: 202, body: { [action]: service, message: `${action}ing ${service}` } };
    },
    async send(host, req) {
      calls.push(`SEND ${host} ${req.method} ${req.path}`);
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: `key=${SECRET} \x1b]8;;evil\x07`, truncatedBytes: 0, traceId: 'a'.repeat(32) };
    },
  };
}

describe('nx-edge mcp', () => {
  it('lists its tools with schemas, and marks the ones that change the session as not read-only', async () => {
    const client = await connect({ workspaceRoot: workspace() });
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(
      ['graph', 'history', 'logs', 'sessions', 'metrics', 'monitor', 'reload', 'request', 'restart', 'service_details', 'services', 'start', 'stop', 'tail', 'trace', 'traces', 'validate', 'workers'].sort(),
    );
    for (const name of ['restart', 'reload', 'stop', 'start']) {
      expect(byName[name].annotations?.readOnlyHint).toBe(false);
      expect(byName[name].description).toContain('Changes the running session');
    }
    expect(byName.stop.annotations?.destructiveHint).toBe(true);
    expect(byName.services.annotations?.readOnlyHint).toBe(true);
    expect(byName.trace.inputSchema.required).toEqual(['traceId']);
  });

  it('answers a session tool without a session with the command that starts one', async () => {
    const root = workspace();
    const client = await connect({ workspaceRoot: root });
    const result = await client.callTool({ name: 'services', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`No nx-edge dev session is running in ${root}`);
    expect(text(result)).toContain('nx run-many -t dev');
  });

  it('sends a request under a trace it returns; no answer holds a .dev.vars value or a raw ESC', async () => {
    const calls: string[] = [];
    const session = fakeSession(calls);
    const client = await connect({ workspaceRoot: workspace(), session: () => session });
    const sent = await client.callTool({ name: 'request', arguments: { service: 'api', path: '/orders?x=1' } });
    const answer = JSON.parse(text(sent)) as { status: number; traceId: string; body: string };
    expect(answer.status).toBe(200);
    expect(answer.traceId).toBe('a'.repeat(32));
    expect(calls).toContain('SEND api GET /orders?x=1');
    const logs = await client.callTool({ name: 'logs', arguments: { trace: answer.traceId, search: 'BOOM' } });
    expect(JSON.parse(text(logs))).toHaveLength(1);
    const restart = await client.callTool({ name: 'restart', arguments: { service: 'api' } });
    expect(JSON.parse(text(restart))).toMatchObject({ ok: true, restart: 'api' });
    expect(calls).toContain('POST api/restart');
    for (const out of [sent, logs, restart].map(text)) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toMatch(/[\x1b\x07]/);
    }
    expect(text(sent)).toContain('[redacted]');
    expect(text(logs)).toContain('\\\\x1b[2J');
  });

  it('rejects arguments outside a tool\'s schema before anything runs', async () => {
    const calls: string[] = [];
    const session = fakeSession(calls);
    const client = await connect({ workspaceRoot: workspace(), session: () => session });
    const result = await client.callTool({ name: 'trace', arguments: { traceId: '../../etc/passwd' } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/trace id: 32 hex digits/);
    expect(calls).toHaveLength(0);
  });

  it('runs the deployed commands as the CLI does: tail for a bounded window with its filters, a failure said as the command said it', async () => {
    const runs: { args: string[]; windowMs?: number }[] = [];
    const run: CliRunner = async (args, opts) => {
      runs.push({ args, windowMs: opts?.windowMs });
      if (args[0] === 'monitor') return { exitCode: 1, lines: [], moreLines: 0, stderr: 'no env "prod" in apps/api/wrangler.jsonc', stopped: false };
      return { exitCode: null, lines: ['{"service":"api","message":"hi"}', 'not json'], moreLines: 5, stderr: '', stopped: true };
    };
    const client = await connect({ workspaceRoot: workspace(), run });
    const tail = await client.callTool({ name: 'tail', arguments: { env: 'staging', seconds: 3, status: ['error'], trace: 'b'.repeat(32) } });
    expect(tail.isError).toBeFalsy();
    expect(runs[0]).toEqual({ args: ['tail', '-c', 'staging', '--json', '--trace', 'b'.repeat(32), '--status', 'error'], windowMs: 3000 });
    expect(JSON.parse(text(tail))).toEqual({ records: [{ service: 'api', message: 'hi' }, 'not json'], more: '5 more records not shown' });
    const tooLong = await client.callTool({ name: 'tail', arguments: { env: 'staging', seconds: 3600 } });
    expect(tooLong.isError).toBe(true);
    const monitor = await client.callTool({ name: 'monitor', arguments: { env: 'prod' } });
    expect(monitor.isError).toBe(true);
    expect(JSON.parse(text(monitor))).toMatchObject({ exitCode: 1, error: 'no env "prod" in apps/api/wrangler.jsonc' });
  });
  it('opens a past session from disk (no hub running): sessions lists it, trace and logs read it', async () => {
    const root = workspace();
    const rec = recordSession(root, { startedAt: Date.UTC(2026, 11, 1, 9, 0, 0), pid: 77 });
    const traceId = 'c'.repeat(32);
    rec.span({ traceId, spanId: '1'.repeat(16), service: 'api', kind: 'proxy', name: 'GET /before', start: 5, durationMs: 9, status: 200 });
    rec.log({ time: 6, service: 'api', stream: 'stdout', level: 'info', message: 'served before the change', trace_id: traceId });
    rec.describe(['api'], { nodes: [{ id: 'api', kind: 'worker' }], edges: [] });
    rec.close();
    const client = await connect({ workspaceRoot: root, past: { list: () => listSessions(root), open: (id) => openSession(root, id) } });
    const sessions = JSON.parse(text(await client.callTool({ name: 'sessions', arguments: {} }))) as { id: string; services: string[] }[];
    expect(sessions).toEqual([expect.objectContaining({ id: '20261201T090000Z-77', services: ['api'], startedAtIso: '2026-12-01T09:00:00.000Z' })]);
    const trace = JSON.parse(text(await client.callTool({ name: 'trace', arguments: { traceId, session: sessions[0].id } })));
    expect(trace).toMatchObject({ traceId, spans: [{ name: 'GET /before' }], logs: [{ message: 'served before the change' }] });
    const logs = JSON.parse(text(await client.callTool({ name: 'logs', arguments: { session: sessions[0].id, search: 'BEFORE' } })));
    expect(logs).toHaveLength(1);
    const traces = JSON.parse(text(await client.callTool({ name: 'traces', arguments: { session: sessions[0].id } })));
    expect(traces).toEqual([expect.objectContaining({ traceId, route: 'GET /before' })]);
    const missing = await client.callTool({ name: 'traces', arguments: { session: '20200101T000000Z-1' } });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain('No past session');
  });
});
