// Express 5 and NestJS in real workerd, built by nx-edge's own build core (startWorker), served
// through serveNodeApp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startWorker, type RunningWorker } from '../../../nx-edge/src/testing/start-worker';

const fixture = (name: string) => startWorker({ projectRoot: join(__dirname, 'fixtures', name) });

describe('serveNodeApp: an Express 5 app as a Worker', () => {
  let mf: RunningWorker;
  beforeAll(async () => {
    mf = await fixture('express-app');
  }, 60_000);
  afterAll(() => mf?.dispose());

  it('routes with params, sets headers, and sees the trace context', async () => {
    const response = await mf.fetch('http://app/users/42');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-handled-by')).toBe('express');
    const body = await response.json<{ id: string; trace: string | null }>();
    expect(body.id).toBe('42');
    expect(response.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('parses JSON bodies and sets the status', async () => {
    const response = await mf.fetch('http://app/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: { a: 1 } });
  });

  it('streams a response written in chunks', async () => {
    expect(await (await mf.fetch('http://app/stream')).text()).toBe('one,two,three');
  });

  it("answers 404 for unknown routes and runs the app's error handler", async () => {
    expect((await mf.fetch('http://app/nope')).status).toBe(404);
    const boom = await mf.fetch('http://app/boom');
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: 'kaboom' });
  });
});

describe('serveNodeApp: a NestJS app (Express platform) as a Worker', () => {
  let mf: RunningWorker;
  beforeAll(async () => {
    mf = await fixture('nest-app');
  }, 60_000);
  afterAll(() => mf?.dispose());

  it('routes with params and parses JSON bodies', async () => {
    const get = await mf.fetch('http://app/users/7');
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ id: '7', framework: 'nest' });
    const post = await mf.fetch('http://app/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ada"}' });
    expect(post.status).toBe(201);
    expect(await post.json()).toEqual({ created: { name: 'ada' } });
  });

  it('maps HttpException and unknown routes to their statuses', async () => {
    expect((await mf.fetch('http://app/users/7/fail')).status).toBe(418);
    expect((await mf.fetch('http://app/nowhere')).status).toBe(404);
  });
});
