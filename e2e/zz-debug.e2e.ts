import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../test-support/fake-cloudflare/fake-cloudflare-api';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

describe('debug ctrl-c', () => {
  let ws: E2eWorkspace;
  let api: FakeCloudflareApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    ws = await createE2eWorkspace('debug');
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    env = { ...fakeApiEnv(api) };
    ws.write('apps/c/wrangler.jsonc', `{ "name": "c", "main": "src/index.ts", "compatibility_date": "2026-04-20", "env": { "staging": {} } }\n`);
    ws.write('apps/c/src/index.ts', `export default { fetch: () => new Response('c') };\n`);
    const first = await ws.nx(['run', 'c:deploy', '-c', 'staging', '--skip-nx-cache'], { env: { ...env, NX_EDGE_HEALTH_BASE_URL: '' } });
    console.log('FIRST', first.code, first.stdout.slice(-2000), first.stderr.slice(-2000));
  }, 600_000);
  afterAll(async () => {
    await ws?.dispose();
    await api?.close();
  });
  it('ctrl-c', async () => {
    const undo = api.inject({ method: 'POST', path: '/workers/scripts/c-staging/versions', delayMs: 15_000, times: 1 });
    let output = '';
    const deploy = ws.spawn('nx', ['run', 'c:deploy', '--configuration=staging', '--output-style=stream', '--skip-nx-cache'], { env: { ...ws.env, ...env } });
    deploy.stdout!.on('data', (d) => (output += d));
    deploy.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => deploy.once('exit', (code) => resolve(code)));
    await expect.poll(() => api.calls('/workers/scripts/c-staging/versions', 'POST').length, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
    process.kill(-deploy.pid!, 'SIGINT');
    console.log('EXIT', await exited);
    undo();
    await new Promise((r) => setTimeout(r, 15000));
    console.log('OUTPUT', output);
    console.log('HISTORY', ws.exists('.nx-edge/deployments.jsonl') ? ws.read('.nx-edge/deployments.jsonl') : 'none');
    console.log('TMP', ws.exists('.nx-edge/tmp') ? readdirSync(join(ws.root, '.nx-edge/tmp')) : 'none');
  }, 300_000);
});
