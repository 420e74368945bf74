import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from './start-worker';

describe('startWorker', () => {
  let root: string;
  let worker: RunningWorker | undefined;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-start-'));
    write('nx.json', '{}');
    write('tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@shared/greet': ['libs/greet/index.ts'] } } }));
    write('libs/greet/index.ts', "export const greet = (n: string) => `hi ${n}`;\n");
    write(
      'apps/api/wrangler.json',
      JSON.stringify({ name: 'api', main: 'src/index.ts', compatibility_date: '2026-04-20', vars: { WHO: 'vars' }, kv_namespaces: [{ binding: 'KV' }], services: [{ binding: 'USERS', service: 'users' }] }),
    );
    write(
      'apps/api/src/index.ts',
      `import { greet } from '@shared/greet';
export default {
  async fetch(request: Request, env: any) {
    const url = new URL(request.url);
    if (url.pathname === '/users') return env.USERS.fetch('http://users/');
    await env.KV.put('k', 'stored');
    return new Response(greet(env.WHO) + ' ' + (await env.KV.get('k')) + ' ' + env.SECRET);
  },
};
`,
    );
    write('apps/api/.dev.vars', 'SECRET=from-dev-vars\n');
  });
  afterEach(async () => {
    await worker?.dispose();
    worker = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('builds the Worker from TypeScript and runs it in workerd with its bindings and .dev.vars', async () => {
    worker = await startWorker({ projectRoot: join(root, 'apps/api') });
    expect(await (await worker.fetch('/')).text()).toBe('hi vars stored from-dev-vars');
  }, 30_000);

  it('replaces service bindings by handlers, and says how when one is missing', async () => {
    worker = await startWorker({ projectRoot: join(root, 'apps/api'), services: { USERS: () => Response.json(['ada']) } });
    expect(await (await worker.fetch('/users')).json()).toEqual(['ada']);
    await worker.dispose();
    worker = await startWorker({ projectRoot: join(root, 'apps/api') });
    const missing = await worker.fetch('/users');
    expect(missing.status).toBe(503);
    expect(await missing.text()).toMatch(/USERS \(users\) has no handler in this test/);
  }, 30_000);

  it('binds a service to the real workspace Worker, built from TypeScript', async () => {
    write('apps/users/wrangler.json', JSON.stringify({ name: 'users', main: 'src/index.ts', compatibility_date: '2026-04-20', vars: { WHO: 'users' } }));
    write('apps/users/src/index.ts', "import { greet } from '@shared/greet';\nexport default { fetch: (_r: Request, env: any) => Response.json([greet(env.WHO)]) };\n");
    worker = await startWorker({ projectRoot: join(root, 'apps/api'), services: { USERS: { projectRoot: '../users' } } });
    expect(await (await worker.fetch('/users')).json()).toEqual(['hi users']);
  }, 60_000);

  it('refuses a stand-in for a service binding the config does not declare', async () => {
    await expect(startWorker({ projectRoot: join(root, 'apps/api'), services: { BILLING: () => new Response() } })).rejects.toThrow(
      /declares no service binding BILLING/,
    );
  }, 30_000);

  it('applies the D1 migrations and gives the test the bindings', async () => {
    write('apps/db/wrangler.json', JSON.stringify({ name: 'db', main: 'src/index.ts', compatibility_date: '2026-04-20', d1_databases: [{ binding: 'DB', database_name: 'd' }], kv_namespaces: [{ binding: 'KV' }] }));
    write('apps/db/migrations/0001_init.sql', '-- users\nCREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\nINSERT INTO users (name) VALUES (\'ada\');\n');
    write('apps/db/src/index.ts', "export default { async fetch(_r: Request, env: any) { const { results } = await env.DB.prepare('SELECT name FROM users').all(); return Response.json(results); } };\n");
    worker = await startWorker({ projectRoot: join(root, 'apps/db') });
    expect(await (await worker.fetch('/')).json()).toEqual([{ name: 'ada' }]);
    await worker.env.KV.put('seeded', 'by the test');
    expect(await worker.env.KV.get('seeded')).toBe('by the test');
  }, 30_000);

  it('names the migration file when one fails', async () => {
    write('apps/bad/wrangler.json', JSON.stringify({ name: 'bad', main: 'src/index.ts', compatibility_date: '2026-04-20', d1_databases: [{ binding: 'DB' }] }));
    write('apps/bad/migrations/0001_broken.sql', 'CREATE TABLE oops (;\n');
    write('apps/bad/src/index.ts', 'export default { fetch: () => new Response() };\n');
    await expect(startWorker({ projectRoot: join(root, 'apps/bad') })).rejects.toThrow(/D1 migration .*0001_broken\.sql \(binding DB\) failed/);
  }, 30_000);
});
