// Express 5 in real workerd: bundled by nx-edge's own build core, served through serveNodeApp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorker } from '../../../nx-edge/src/build/bundle-worker';

describe('serveNodeApp: an Express 5 app as a Worker', () => {
  let mf: Miniflare;
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'nx-edge-express-'));
    const projectRoot = join(__dirname, 'fixtures/express-app');
    const config = { name: 'express-app', main: 'src/index.ts', compatibility_date: '2026-04-20', compatibility_flags: ['nodejs_compat'] };
    const result = await bundleWorker({ workspaceRoot: join(__dirname, '../../../..'), projectRoot, configFile: join(projectRoot, 'wrangler.json'), config, outDir: out });
    mf = new Miniflare({ modules: true, cf: false, scriptPath: result.entry, modulesRoot: out, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] });
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it('routes with params, sets headers, and sees the trace context', async () => {
    const response = await mf.dispatchFetch('http://app/users/42');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-handled-by')).toBe('express');
    const body = (await response.json()) as { id: string; trace: string | null };
    expect(body.id).toBe('42');
    expect(response.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('parses JSON bodies and sets the status', async () => {
    const response = await mf.dispatchFetch('http://app/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: { a: 1 } });
  });

  it('streams a response written in chunks', async () => {
    expect(await (await mf.dispatchFetch('http://app/stream')).text()).toBe('one,two,three');
  });

  it("answers 404 for unknown routes and runs the app's error handler", async () => {
    expect((await mf.dispatchFetch('http://app/nope')).status).toBe(404);
    const boom = await mf.dispatchFetch('http://app/boom');
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: 'kaboom' });
  });
});

describe('serveNodeApp: a NestJS app (Express platform) as a Worker', () => {
  let mf: Miniflare;
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'nx-edge-nest-'));
    const projectRoot = join(__dirname, 'fixtures/nest-app');
    const config = { name: 'nest-app', main: 'src/index.ts', compatibility_date: '2026-04-20', compatibility_flags: ['nodejs_compat'] };
    const result = await bundleWorker({ workspaceRoot: join(__dirname, '../../../..'), projectRoot, configFile: join(projectRoot, 'wrangler.json'), config, outDir: out });
    // Listed explicitly: Miniflare's import walker refuses the dynamic import() Nest's bundle contains.
    mf = new Miniflare({ modules: [{ type: 'ESModule', path: result.entry }], modulesRoot: out, cf: false, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] });
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it('routes with params and parses JSON bodies', async () => {
    const get = await mf.dispatchFetch('http://app/users/7');
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ id: '7', framework: 'nest' });
    const post = await mf.dispatchFetch('http://app/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ada"}' });
    expect(post.status).toBe(201);
    expect(await post.json()).toEqual({ created: { name: 'ada' } });
  });

  it('maps HttpException and unknown routes to their statuses', async () => {
    expect((await mf.dispatchFetch('http://app/users/7/fail')).status).toBe(418);
    expect((await mf.dispatchFetch('http://app/nowhere')).status).toBe(404);
  });
});
