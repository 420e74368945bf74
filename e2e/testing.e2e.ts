import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

// `nx test` in a fresh workspace: a function with KV, D1 (a migration), R2, a service binding and a
// Hyperdrive binding, tested through @aero/nx-edge/testing against real local bindings in workerd.

const API_CONFIG = `{
  // api: every kind of binding the tests exercise
  "name": "api",
  "main": "src/index.ts",
  "compatibility_date": "2026-04-20",
  "compatibility_flags": ["nodejs_compat"],
  "kv_namespaces": [{ "binding": "CACHE", "id": "cache-id" }],
  "d1_databases": [{ "binding": "DB", "database_name": "api-db", "database_id": "db-id", "migrations_dir": "migrations" }],
  "r2_buckets": [{ "binding": "FILES", "bucket_name": "api-files" }],
  "services": [{ "binding": "USERS", "service": "users" }],
  "hyperdrive": [{ "binding": "HYPERDRIVE", "id": "hd-id" }]
}
`;

const API_SOURCE = `import { Client } from 'pg';

export interface Env { CACHE: KVNamespace; DB: D1Database; FILES: R2Bucket; USERS: Fetcher; HYPERDRIVE: Hyperdrive }

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/notes' && request.method === 'POST') {
      const body = await request.text();
      await env.DB.prepare('INSERT INTO notes (body) VALUES (?)').bind(body).run();
      await env.CACHE.put('last-note', body);
      await env.FILES.put(\`notes/\${body}.txt\`, body);
      return new Response('stored', { status: 201 });
    }
    if (url.pathname === '/notes') {
      const { results } = await env.DB.prepare('SELECT body FROM notes ORDER BY id').all();
      return Response.json(results.map((r) => r.body));
    }
    if (url.pathname === '/users') return Response.json({ via: 'api', users: await (await env.USERS.fetch('https://users/')).json() });
    if (url.pathname === '/people') {
      const client = new Client({ connectionString: env.HYPERDRIVE.connectionString });
      await client.connect();
      const { rows } = await client.query('SELECT name FROM people ORDER BY name');
      await client.end();
      return Response.json(rows.map((r) => r.name));
    }
    return new Response('not found', { status: 404 });
  },
};
`;

const BINDINGS_SPEC = `import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { getTestDB, getTestKV, getTestR2, startWorker, type RunningWorker } from '@aero/nx-edge/testing';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
let worker: RunningWorker | undefined;
afterEach(async () => {
  await worker?.dispose();
  worker = undefined;
});

describe('api with real local bindings', () => {
  it('stores through D1 (migrated), KV and R2, and the test sees the same storage', async () => {
    worker = await startWorker({ projectRoot });
    expect((await worker.fetch('/notes', { method: 'POST', body: 'hello' })).status).toBe(201);
    expect(await (await worker.fetch('/notes')).json()).toEqual(['seeded by the migration', 'hello']);
    expect(await getTestKV(worker).get('last-note')).toBe('hello');
    expect(await (await getTestR2(worker).get('notes/hello.txt')).text()).toBe('hello');
    const row = await getTestDB(worker).prepare('SELECT count(*) AS n FROM notes').first();
    expect(row.n).toBe(2);
  }, 60_000);

  it('replaces the USERS service binding with a handler', async () => {
    worker = await startWorker({ projectRoot, services: { USERS: () => Response.json([{ id: 1, name: 'mocked' }]) } });
    expect(await (await worker.fetch('/users')).json()).toEqual({ via: 'api', users: [{ id: 1, name: 'mocked' }] });
  }, 60_000);

  it('binds USERS to the real users Worker of the workspace, built from its TypeScript', async () => {
    worker = await startWorker({ projectRoot, services: { USERS: { projectRoot: '../users' } } });
    expect(await (await worker.fetch('/users')).json()).toEqual({ via: 'api', users: { service: 'users', message: 'Hello from users' } });
  }, 60_000);

  it('reaches an embedded Postgres through its Hyperdrive binding with pg', async () => {
    worker = await startWorker({ projectRoot });
    const client = new pg.Client({ connectionString: worker.postgres!.connectionString });
    await client.connect();
    await client.query("CREATE TABLE people (name text); INSERT INTO people VALUES ('grace'), ('ada')");
    await client.end();
    expect(await (await worker.fetch('/people')).json()).toEqual(['ada', 'grace']);
  }, 120_000);
});
`;

// Two files, each first checking that the other's write is not there: whichever runs second would
// fail if storage leaked between files (they may also run in parallel).
const isolationSpec = (me: string, other: string) => `import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getTestDB, getTestKV, startWorker, type RunningWorker } from '@aero/nx-edge/testing';

let worker: RunningWorker;
beforeAll(async () => {
  worker = await startWorker({ projectRoot: fileURLToPath(new URL('..', import.meta.url)) });
}, 60_000);
afterAll(() => worker?.dispose());

it('${me} starts from empty storage and writes its own', async () => {
  expect(await getTestKV(worker).get('${other}')).toBeNull();
  expect(await (await worker.fetch('/notes')).json()).toEqual(['seeded by the migration']);
  await getTestKV(worker).put('${me}', 'written by ${me}');
  await worker.fetch('/notes', { method: 'POST', body: '${me}' });
  expect((await getTestDB(worker).prepare('SELECT count(*) AS n FROM notes').first()).n).toBe(2);
});
`;

describe('nx test with real local bindings', () => {
  let ws: E2eWorkspace;

  beforeAll(async () => {
    ws = await createE2eWorkspace('testing');
    await ws.nxOk(['g', '@aero/nx-edge:function', 'users', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:function', 'api', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:lib', 'util', '--no-interactive']);
  }, 240_000);

  afterAll(async () => {
    await ws?.dispose();
  });

  it("a freshly generated function's spec passes unchanged, and a lib's spec runs in plain vitest", async () => {
    const result = await ws.nx(['run-many', '-t', 'test', '-p', 'users', 'util', '--output-style=stream']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/users:test[\s\S]*Tests\s+2 passed/);
    expect(result.stdout).toMatch(/util:test[\s\S]*Tests\s+\d+ passed/);
  }, 240_000);

  it('KV + D1 (migrated) + R2 + a mocked and a real service binding + Postgres, with storage isolated per file', async () => {
    ws.write('apps/api/wrangler.jsonc', API_CONFIG);
    ws.write('apps/api/src/index.ts', API_SOURCE);
    ws.write('apps/api/migrations/0001_notes.sql', "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);\nINSERT INTO notes (body) VALUES ('seeded by the migration');\n");
    ws.write('apps/api/src/index.spec.ts', BINDINGS_SPEC);
    ws.write('apps/api/src/isolation-a.spec.ts', isolationSpec('a', 'b'));
    ws.write('apps/api/src/isolation-b.spec.ts', isolationSpec('b', 'a'));
    const result = await ws.nx(['test', 'api', '--output-style=stream']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(result.stdout).toMatch(/Tests\s+6 passed \(6\)/);

    // Unchanged inputs: Nx answers from its cache.
    const again = await ws.nx(['test', 'api', '--output-style=stream']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/existing outputs match the cache|local cache/);
  }, 300_000);

  it('--coverage writes a report for the project', async () => {
    const result = await ws.nx(['test', 'util', '--coverage', '--skip-nx-cache', '--output-style=stream']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(ws.exists('coverage/libs/util/index.html')).toBe(true);
    expect(ws.read('coverage/libs/util/index.html')).toContain('index.ts');
  }, 240_000);
});
