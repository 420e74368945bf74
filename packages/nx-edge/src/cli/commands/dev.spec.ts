import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedGraphFile, readCachedGraph } from '../../dev/client/cached-graph';
import { run } from './dev';
import { devTargetOptions, upstreamClosure, workerSpecIn } from '../../dev/client/session-plan';

describe('nx-edge dev (the inferred dev target)', () => {
  let ws: string;
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  const workspace = () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-devtask-'));
    writeFileSync(join(ws, 'nx.json'), '{}');
    for (const name of ['gateway', 'users', 'audit']) {
      mkdirSync(join(ws, 'apps', name), { recursive: true });
      writeFileSync(join(ws, 'apps', name, 'wrangler.jsonc'), `{ "name": "${name}" }`);
    }
    const dev = (options: object = {}) => ({ executor: 'nx:run-commands', options: { command: 'node node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js dev', ...options }, configurations: { staging: { env: 'staging' } } });
    const graph = {
      nodes: {
        gateway: { data: { root: 'apps/gateway', targets: { dev: dev({ port: 8787, health: { type: 'http', path: '/ready' } }) } } },
        users: { data: { root: 'apps/users', targets: { dev: dev() } } },
        text: { data: { root: 'libs/text', targets: {} } },
        mailer: { data: { root: 'apps/mailer', targets: { dev: { executor: '@aero/nx-edge:service', options: { command: 'node m.js' } } } } },
        audit: { data: { root: 'apps/audit', targets: { dev: { executor: 'nx:run-commands', options: { command: 'node node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js dev' } } } } },
      },
      dependencies: { gateway: [{ target: 'text' }, { target: 'mailer' }], text: [{ target: 'users' }], users: [], mailer: [{ target: 'audit' }], audit: [] },
    };
    mkdirSync(join(ws, '.nx', 'workspace-data'), { recursive: true });
    writeFileSync(join(ws, '.nx', 'workspace-data', 'project-graph.json'), JSON.stringify({ ...graph, externalNodes: {}, version: '6.0' }));
  };

  it("reads Nx's graph of the run from its workspace data (or where NX_WORKSPACE_DATA_DIRECTORY says)", () => {
    workspace();
    expect(Object.keys(readCachedGraph(ws, {})!.nodes)).toEqual(['gateway', 'users', 'text', 'mailer', 'audit']);
    expect(cachedGraphFile(ws, { NX_WORKSPACE_DATA_DIRECTORY: 'tmp/data' })).toBe(join(ws, 'tmp/data/project-graph.json'));
    expect(readCachedGraph(ws, { NX_WORKSPACE_DATA_DIRECTORY: 'tmp/data' })).toBeUndefined();
  });

  it("takes the target's options (objects too) and configuration; the closure is every upstream Worker, through libs and non-Worker services, with the task's configuration where it exists", () => {
    workspace();
    const graph = readCachedGraph(ws, {})!;
    expect(devTargetOptions(graph, 'gateway', 'dev', 'staging')).toEqual({ env: 'staging', port: 8787, health: { type: 'http', path: '/ready' } });
    const own = workerSpecIn(ws, graph, 'gateway', devTargetOptions(graph, 'gateway', 'dev', 'staging'));
    expect(own).toMatchObject({ kind: 'worker', port: 8787, upstream: ['mailer', 'users'], watch: [join(ws, 'apps/gateway'), join(ws, 'libs/text')], worker: { environment: 'staging' } });
    // users through the lib text; audit behind mailer (a non-Worker service, which keeps its own Nx task).
    const closure = upstreamClosure(ws, graph, 'gateway', 'dev', 'staging');
    expect(closure.map((s) => s.service)).toEqual(['audit', 'users']);
    expect(closure.find((s) => s.service === 'users')).toMatchObject({ kind: 'worker', upstream: [], worker: { configPath: join(ws, 'apps/users/wrangler.jsonc'), environment: 'staging' } });
    // audit's target has no staging configuration: its default.
    expect(closure.find((s) => s.service === 'audit')).toMatchObject({ worker: { environment: undefined } });
  });

  it('a cycle in the closure ends (each Worker once), and the task itself is never in its own closure', () => {
    workspace();
    const graph = readCachedGraph(ws, {})!;
    graph.dependencies.users = [{ target: 'gateway' }];
    expect(upstreamClosure(ws, graph, 'gateway', 'dev').map((s) => s.service)).toEqual(['audit', 'users']);
    expect(upstreamClosure(ws, graph, 'users', 'dev').map((s) => s.service)).toEqual(['gateway', 'audit']);
  });

  it('a mistake is one clear line and exit 1, nothing started', async () => {
    workspace();
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await run(['nope'], { cwd: ws })).toBe(1);
      expect(await run(['gateway', '--port', 'eighty'], { cwd: ws })).toBe(1);
    } finally {
      console.error = original;
    }
    expect(errors).toEqual(['There is no project "nope" in this workspace\'s project graph.', '--port needs a port number, got "eighty". Usage: nx-edge dev [project] [--env <name>] [--port <n>] [--proxyPort <n>]']);
  });
});
