import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { getTestDB, getTestKV, getTestR2, startWorker, type RunningWorker } from './start-worker';

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
    if (url.pathname === '/user') {
      try {
        return Response.json(await env.USERS.getUser('7'));
      } catch (error) {
        return new Response((error as Error).message, { status: 500 });
      }
    }
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
    // The test fails at the call with the fix, whatever the Worker made of the 503.
    await expect(worker.fetch('/users')).rejects.toThrow(
      "service binding USERS (users) has no handler in this test for fetch: pass startWorker({ services: { USERS: (request) => Response.json(…) } }), an object of its methods ({ USERS: { getUser: (id) => ({ id }) } }), or the real Worker: { USERS: { projectRoot: '../users' } }",
    );
    // An RPC call too, though the Worker caught the error and answered 500.
    await expect(worker.fetch('/user')).rejects.toThrow('service binding USERS (users) has no handler in this test for USERS.getUser()');
    expect(await (await worker.fetch('/')).text()).toBe('hi vars stored from-dev-vars');
  }, 30_000);

  it('stands in for RPC methods with an object of functions (JSON in and out)', async () => {
    worker = await startWorker({ projectRoot: join(root, 'apps/api'), services: { USERS: { getUser: (id: string) => ({ id, name: 'ada' }) } } });
    expect(await (await worker.fetch('/user')).json()).toEqual({ id: '7', name: 'ada' });
    await worker.dispose();
    worker = await startWorker({ projectRoot: join(root, 'apps/api'), services: { USERS: { getUser: () => { throw new Error('no such user'); } } } });
    const failed = await worker.fetch('/user');
    expect(await failed.text()).toBe('USERS.getUser() stand-in threw: no such user');
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

  it('gives the test its bindings by kind and refuses one the config does not declare, naming the declared ones', async () => {
    write('apps/store/wrangler.json', JSON.stringify({ name: 'store', main: 'src/index.ts', compatibility_date: '2026-04-20', d1_databases: [{ binding: 'DB' }], kv_namespaces: [{ binding: 'CACHE' }], r2_buckets: [{ binding: 'FILES', bucket_name: 'files' }] }));
    write('apps/store/migrations/0001.sql', 'CREATE TABLE notes (body TEXT);\n');
    write('apps/store/src/index.ts', "export default { async fetch(_r: Request, env: any) { return new Response((await env.CACHE.get('k')) + ' ' + (await (await env.FILES.get('f')).text()) + ' ' + (await env.DB.prepare('SELECT count(*) AS n FROM notes').first()).n); } };\n");
    worker = await startWorker({ projectRoot: join(root, 'apps/store') });
    await getTestKV(worker).put('k', 'kv');
    await getTestR2(worker, 'FILES').put('f', 'r2');
    await getTestDB(worker).prepare("INSERT INTO notes VALUES ('x')").run();
    expect(await (await worker.fetch('/')).text()).toBe('kv r2 1');
    expect(() => getTestKV(worker!, 'SESSIONS')).toThrow(`getTestKV: ${join(root, 'apps/store/wrangler.json')} declares no KV binding SESSIONS (declared: CACHE).`);
  }, 30_000);

  it('runs the scheduled and queue handlers', async () => {
    write('apps/jobs/wrangler.json', JSON.stringify({ name: 'jobs', main: 'src/index.ts', compatibility_date: '2026-04-20', kv_namespaces: [{ binding: 'KV' }], triggers: { crons: ['*/5 * * * *'] } }));
    write('apps/jobs/src/index.ts', `export default {
  fetch: () => new Response(),
  async scheduled(controller: any, env: any) { await env.KV.put('cron', controller.cron); },
  async queue(batch: any, env: any) { for (const m of batch.messages) { await env.KV.put('msg', JSON.stringify(m.body)); m.ack(); } },
};
`);
    worker = await startWorker({ projectRoot: join(root, 'apps/jobs') });
    expect((await worker.scheduled()).outcome).toBe('ok');
    expect(await worker.env.KV.get('cron')).toBe('*/5 * * * *');
    const result = await worker.queue('jobs', [{ body: { n: 1 }, id: 'm1' }]);
    expect(result.explicitAcks).toEqual(['m1']);
    expect(await worker.env.KV.get('msg')).toBe('{"n":1}');
  }, 30_000);

  it('refuses to start when a key of .dev.vars.example has no test value, naming it and where to add it', async () => {
    write('apps/api/.dev.vars.example', '# secrets\nSECRET=\nAPI_KEY=\n');
    await expect(startWorker({ projectRoot: join(root, 'apps/api') })).rejects.toThrow(
      'API_KEY is declared in apps/api/.dev.vars.example but has no value in this test: add API_KEY=<test value> to apps/api/.dev.vars.test (or .dev.vars), or pass startWorker({ bindings: { API_KEY: \'…\' } }).',
    );
    write('apps/api/.dev.vars.test', 'SECRET=test-secret\nAPI_KEY=test-key\n');
    worker = await startWorker({ projectRoot: join(root, 'apps/api') });
    expect(await (await worker.fetch('/')).text()).toBe('hi vars stored test-secret');
  }, 30_000);

  it('backs Hyperdrive and DATABASE_URL with an embedded Postgres that pg reaches from workerd and from the test', async () => {
    write('apps/pg/wrangler.json', JSON.stringify({ name: 'pg', main: 'src/index.ts', compatibility_date: '2026-04-20', compatibility_flags: ['nodejs_compat'], hyperdrive: [{ binding: 'HYPERDRIVE', id: 'hd' }] }));
    write('apps/pg/src/index.ts', `import { Client } from 'pg';
export default {
  async fetch(request: Request, env: any) {
    if (new URL(request.url).pathname === '/url') return new Response(env.DATABASE_URL);
    const client = new Client({ connectionString: env.HYPERDRIVE.connectionString });
    await client.connect();
    const { rows } = await client.query('SELECT name FROM people ORDER BY name');
    await client.end();
    return Response.json(rows.map((r: any) => r.name));
  },
};
`);
    write('apps/pg/.dev.vars.example', 'DATABASE_URL=\n');
    symlinkSync(join(__dirname, '../../../../node_modules'), join(root, 'node_modules'), 'dir'); // pg, as a workspace has it
    worker = await startWorker({ projectRoot: join(root, 'apps/pg') });
    const client = new pg.Client({ connectionString: worker.postgres!.connectionString });
    await client.connect();
    await client.query("CREATE TABLE people (name text); INSERT INTO people VALUES ('grace'), ('ada')");
    await client.end();
    expect(await (await worker.fetch('/')).json()).toEqual(['ada', 'grace']);
    // A DATABASE_URL the Worker declares (and .dev.vars.test does not pin) is the same database.
    expect(await (await worker.fetch('/url')).text()).toBe(worker.postgres!.connectionString);
  }, 90_000);

  it('the next start of the same Worker (the next file, isolate: false) begins from empty storage, with its own handlers and code', async () => {
    write('apps/notes/wrangler.json', JSON.stringify({ name: 'notes', main: 'src/index.ts', compatibility_date: '2026-04-20', d1_databases: [{ binding: 'DB' }], kv_namespaces: [{ binding: 'KV' }], r2_buckets: [{ binding: 'FILES', bucket_name: 'f' }], services: [{ binding: 'USERS', service: 'users' }] }));
    write('apps/notes/migrations/0001.sql', "CREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('seed');\n");
    const source = (version: string) => `export default { async fetch(_r: Request, env: any) {
  const n = (await env.DB.prepare('SELECT count(*) AS n FROM notes').first()).n;
  return Response.json({ version: '${version}', notes: n, kv: await env.KV.get('k'), file: await env.FILES.head('f') !== null, users: await (await env.USERS.fetch('http://users/')).text() });
} };
`;
    write('apps/notes/src/index.ts', source('v1'));
    const projectRoot = join(root, 'apps/notes');
    worker = await startWorker({ projectRoot, services: { USERS: () => new Response('first') } });
    await worker.env.KV.put('k', 'left over');
    await worker.env.FILES.put('f', 'left over');
    await worker.env.DB.prepare("INSERT INTO notes VALUES ('left over')").run();
    expect(await (await worker.fetch('/')).json()).toEqual({ version: 'v1', notes: 2, kv: 'left over', file: true, users: 'first' });
    await worker.dispose();

    worker = await startWorker({ projectRoot, services: { USERS: () => new Response('second') } });
    expect(await (await worker.fetch('/')).json()).toEqual({ version: 'v1', notes: 1, kv: null, file: false, users: 'second' });
    await worker.dispose();

    worker = await startWorker({ projectRoot });
    await expect(worker.fetch('/')).rejects.toThrow('service binding USERS (users) has no handler in this test');
    await worker.dispose();

    write('apps/notes/src/index.ts', source('v2'));
    worker = await startWorker({ projectRoot, services: { USERS: () => new Response('third') } });
    expect(await (await worker.fetch('/')).json()).toEqual({ version: 'v2', notes: 1, kv: null, file: false, users: 'third' });
  }, 60_000);

  it('gives the Worker its Durable Objects and queue producers, and the queue consumer its batches', async () => {
    write(
      'apps/counter/wrangler.json',
      JSON.stringify({
        name: 'counter',
        main: 'src/index.ts',
        compatibility_date: '2026-04-20',
        durable_objects: { bindings: [{ name: 'COUNTER', class_name: 'Counter' }] },
        migrations: [{ tag: 'v1', new_sqlite_classes: ['Counter'] }],
        queues: { producers: [{ binding: 'JOBS', queue: 'jobs' }], consumers: [{ queue: 'jobs' }] },
        kv_namespaces: [{ binding: 'KV' }],
      }),
    );
    write('apps/counter/src/index.ts', `import { DurableObject } from 'cloudflare:workers';
export class Counter extends DurableObject {
  async increment() { const n = ((await this.ctx.storage.get<number>('n')) ?? 0) + 1; await this.ctx.storage.put('n', n); return n; }
}
export default {
  async fetch(_r: Request, env: any) {
    const n = await env.COUNTER.get(env.COUNTER.idFromName('one')).increment();
    await env.JOBS.send({ n });
    return Response.json({ n });
  },
  async queue(batch: any, env: any) { for (const m of batch.messages) await env.KV.put('job-' + m.body.n, 'done'); },
};
`);
    worker = await startWorker({ projectRoot: join(root, 'apps/counter') });
    expect(await (await worker.fetch('/')).json()).toEqual({ n: 1 });
    expect(await (await worker.fetch('/')).json()).toEqual({ n: 2 });
    // The producer's message reaches the consumer through Miniflare's queue (batched, asynchronously).
    await expect.poll(() => worker!.env.KV.get('job-2'), { timeout: 15_000 }).toBe('done');
  }, 60_000);
});

describe('embedded Postgres without PGlite installed', () => {
  it('says how to add the optional peer dependency, in the workspace\'s package manager', async () => {
    const { loadPglite, PGLITE_VERSION } = await import('./postgres');
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find module '@electric-sql/pglite'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    await expect(loadPglite(missing)).rejects.toThrow(
      new RegExp(`runs Postgres in PGlite, an optional peer dependency of @aero/nx-edge that is not installed here\\. Add it: (npm install -D|pnpm add -D -w|yarn add -D|bun add -d) @electric-sql/pglite@${PGLITE_VERSION.replace(/\./g, '\\.')} @electric-sql/pglite-socket@`),
    );
  });
});
