import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateDependenciesContext } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDependencies } from './create-dependencies';

describe('createDependencies', () => {
  let root: string;
  const projects: Record<string, { root: string }> = {};
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const worker = (project: string, config: object) => {
    projects[project] = { root: `apps/${project}` };
    write(`apps/${project}/wrangler.json`, JSON.stringify(config));
  };
  const context = (changed?: string[]): CreateDependenciesContext => {
    const files = Object.fromEntries(
      Object.entries(projects).map(([name, p]) => [name, [{ file: `${p.root}/wrangler.json`, hash: '1' }].filter((f) => !changed || changed.includes(f.file))]),
    );
    return {
      workspaceRoot: root,
      projects: projects,
      nxJsonConfiguration: {},
      externalNodes: {},
      fileMap: { projectFileMap: files, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: files, nonProjectFiles: [] },
    };
  };
  const edges = async (changed?: string[]) =>
    (await createDependencies(undefined, context(changed))).map((d) => `${d.source}->${d.target} (${'sourceFile' in d ? d.sourceFile : ''})`).sort();

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-deps-'));
    for (const key of Object.keys(projects)) delete projects[key];
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('draws service bindings, tail consumers, Durable Object script names and queues', async () => {
    worker('gateway', { name: 'gateway', services: [{ binding: 'USERS', service: 'users' }], tail_consumers: [{ service: 'tail' }] });
    worker('users', { name: 'users', durable_objects: { bindings: [{ name: 'ROOM', class_name: 'Room', script_name: 'rooms' }] }, queues: { producers: [{ binding: 'Q', queue: 'emails' }] } });
    worker('tail', { name: 'tail' });
    worker('rooms', { name: 'rooms' });
    worker('mailer', { name: 'mailer', queues: { consumers: [{ queue: 'emails' }] } });
    expect(await edges()).toEqual([
      'gateway->tail (apps/gateway/wrangler.json)',
      'gateway->users (apps/gateway/wrangler.json)',
      'users->mailer (apps/users/wrangler.json)',
      'users->rooms (apps/users/wrangler.json)',
    ]);
  });

  it('maps env-specific Worker names (<name>-<env>, env name) to the project', async () => {
    worker('api', { name: 'api', env: { staging: { services: [{ binding: 'U', service: 'users-staging' }, { binding: 'B', service: 'billing-eu' }] } } });
    worker('users', { name: 'users', env: { staging: {} } });
    worker('billing', { name: 'billing', env: { eu: { name: 'billing-eu' } } });
    expect(await edges()).toEqual(['api->billing (apps/api/wrangler.json)', 'api->users (apps/api/wrangler.json)']);
  });

  it('says once, in one line, how many bindings name Workers outside the workspace; no edge, no failure', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    worker('api', { name: 'api', services: [{ binding: 'P', service: 'payments-external' }, { binding: 'Q', service: 'quotes-external' }] });
    expect(await edges()).toEqual([]);
    await edges();
    expect(warn.mock.calls.flat()).toEqual(['[nx-edge] 2 bindings name Workers that are not in this workspace (treated as external services) — details: npx nx-edge validate']);
  });

  it('keeps the edge to a Worker whose config fails to parse, and does not call it external', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    worker('api', { name: 'api', services: [{ binding: 'U', service: 'users' }] });
    write('apps/users/wrangler.jsonc', '{\n  "name": "users"\n  "main": "src/index.ts"\n}');
    projects.users = { root: 'apps/users' };
    expect(await edges()).toEqual(['api->users (apps/api/wrangler.json)']);
    expect(warn.mock.calls.flat()).toEqual(['[nx-edge] 1 name Workers whose config fails to parse — details: npx nx-edge validate']);
  });

  it('only re-reads edges of configs Nx says changed (the rest come from its cache)', async () => {
    worker('a', { name: 'a', services: [{ binding: 'B', service: 'b' }] });
    worker('b', { name: 'b', services: [{ binding: 'A', service: 'a' }] });
    expect(await edges(['apps/b/wrangler.json'])).toEqual(['b->a (apps/b/wrangler.json)']);
  });

  it('keeps a cycle (Nx reports it) rather than throwing', async () => {
    worker('a', { name: 'a', services: [{ binding: 'B', service: 'b' }] });
    worker('b', { name: 'b', services: [{ binding: 'A', service: 'a' }] });
    expect(await edges()).toEqual(['a->b (apps/a/wrangler.json)', 'b->a (apps/b/wrangler.json)']);
  });
});
