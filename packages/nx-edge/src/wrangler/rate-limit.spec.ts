// Every wrangler command we run meets Cloudflare's request budget the same way: a 429 (which wrangler does not
// retry) is waited out and the command runs again, with a line saying so; a budget that never lifts is one
// clear error. The commands below are the ones deploy, rollout, secrets and provision run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { fetchWithinRateLimit, retryOnRateLimit } from './rate-limit';
import { createWranglerRunner, wranglerErrorSummary, wranglerOk, type RunWrangler } from './wrangler-cli';

const REFUSED = { code: 1, stdout: '', stderr: '✘ [ERROR] A request to the Cloudflare API (/accounts/x/workers/scripts/api) failed.\n  Please wait and consider throttling your request speed [code: 971]\n' };

describe('retryOnRateLimit', () => {
  it('runs a command refused with 429 again after each wait, and says so', async () => {
    const answers = [REFUSED, REFUSED, { code: 0, stdout: 'done', stderr: '' }];
    const waited: number[] = [];
    const lines: string[] = [];
    const run = retryOnRateLimit(async () => answers.shift()!, { waits: [10, 20, 40], wait: async (ms) => void waited.push(ms), report: (l) => void lines.push(l) });
    expect(await run(['deploy', '--env', 'staging'], { cwd: '.' })).toMatchObject({ code: 0, stdout: 'done' });
    expect(waited).toEqual([10, 20]);
    expect(lines).toEqual([
      "nx-edge: Cloudflare's API rate limit reached during wrangler deploy: waiting 0 s before trying again (1 of 3).",
      "nx-edge: Cloudflare's API rate limit reached during wrangler deploy: waiting 0 s before trying again (2 of 3).",
    ]);
  });

  it('a budget that never lifts: the error names the limit and what to do, before wrangler’s words', async () => {
    const run = retryOnRateLimit(async () => REFUSED, { waits: [1000, 2000, 4000], wait: async () => undefined, report: () => undefined });
    const result = await run(['secret', 'put', 'TOKEN'], { cwd: '.' });
    expect(wranglerErrorSummary(result).split('\n')[0]).toBe(
      "Cloudflare's API kept answering 429 (its rate limit: 1,200 requests per five minutes per user, then five minutes blocked) after 3 waits over 7 s. Wait a few minutes and run it again.",
    );
  });

  it('other failures are not retried', async () => {
    let runs = 0;
    const run = retryOnRateLimit(async () => (runs++, { code: 1, stdout: '', stderr: '✘ [ERROR] Authentication error [code: 10000]' }), { waits: [1], wait: async () => undefined, report: () => undefined });
    expect((await run(['deploy'], { cwd: '.' })).code).toBe(1);
    expect(runs).toBe(1);
  });

  it('fetchWithinRateLimit waits as long as Retry-After says', async () => {
    const answers = [new Response('{}', { status: 429, headers: { 'retry-after': '2' } }), new Response('{}', { status: 200 })];
    const waited: number[] = [];
    const response = await fetchWithinRateLimit(async () => answers.shift()!, 'http://x', {}, 'listing', { waits: [10], wait: async (ms) => void waited.push(ms), report: () => undefined });
    expect(response.status).toBe(200);
    expect(waited).toEqual([2000]);
  });
});

describe('the real wrangler under a refusing API: deploy, rollout, secrets, provision each finish', () => {
  const REPO = join(__dirname, '..', '..', '..', '..');
  let api: FakeCloudflareApi;
  let dir: string;
  let run: RunWrangler;
  const lines: string[] = [];

  beforeAll(async () => {
    api = await startFakeCloudflareApi();
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-429-'));
    writeFileSync(join(dir, 'index.js'), 'export default { fetch: () => new Response("ok") };\n');
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'limited', main: 'index.js', compatibility_date: '2026-04-20', workers_dev: false }));
    run = createWranglerRunner(REPO, fakeApiEnv(api), { waits: [300, 600, 1200], report: (l) => void lines.push(l) });
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusedOnce = async (method: string, path: string, args: string[], input?: string) => {
    lines.length = 0;
    api.inject({ method, path, rateLimited: true, times: 1 });
    const result = await run(args, { cwd: dir, input });
    expect(result.code, wranglerErrorSummary(result)).toBe(0);
    expect(api.requests.filter((r) => r.method === method && r.path.includes(path)).map((r) => r.status)).toEqual(expect.arrayContaining([429, 200]));
    expect(lines).toHaveLength(1);
    return result;
  };

  it('wrangler deploy (its upload refused once)', async () => {
    await refusedOnce('PUT', '/workers/scripts/limited', ['deploy']);
    expect(lines[0]).toMatch(/rate limit reached during wrangler deploy: waiting 0 s before trying again \(1 of 3\)/);
    expect(api.script('limited')!.deployments).toHaveLength(1);
  }, 60_000);

  it('wrangler versions upload + versions deploy (a rollout’s split refused once)', async () => {
    const uploaded = await wranglerOk(run, ['versions', 'upload'], dir, 'upload');
    const versionId = api.script('limited')!.versions.at(-1)!.id;
    expect(uploaded).toBeTruthy();
    const stable = api.script('limited')!.versions[0].id;
    await refusedOnce('POST', '/workers/scripts/limited/deployments', ['versions', 'deploy', `${versionId}@10%`, `${stable}@90%`, '--name', 'limited', '--yes']);
    expect(api.script('limited')!.deployments.at(-1)!.versions).toEqual([{ version_id: versionId, percentage: 10 }, { version_id: stable, percentage: 90 }]);
    await run(['versions', 'deploy', `${versionId}@100%`, '--name', 'limited', '--yes'], { cwd: dir });
  }, 60_000);

  it('wrangler secret put (refused once; the value still only on stdin)', async () => {
    await refusedOnce('PUT', '/workers/scripts/limited/secrets', ['secret', 'put', 'TOKEN', '--name', 'limited'], 's3cr3t-value\n');
    expect(api.script('limited')!.secrets.get('TOKEN')).toBe(api.digest('s3cr3t-value'));
  }, 60_000);

  it('a wrong account id is an authentication error: shown as wrangler says it, never retried', async () => {
    lines.length = 0;
    const result = await run(['deploy'], { cwd: dir, env: { CLOUDFLARE_ACCOUNT_ID: 'ffffffffffffffffffffffffffffffff' } });
    expect(result.code).not.toBe(0);
    expect(wranglerErrorSummary(result)).toMatch(/Authentication error \[code: 10000\]/);
    expect(lines).toEqual([]);
  }, 60_000);

  it('wrangler d1 create (provision; refused once, created once)', async () => {
    await refusedOnce('POST', '/d1/database', ['d1', 'create', 'limited-db']);
    expect(api.account().d1Databases.map((db) => db.name)).toEqual(['limited-db']);
  }, 60_000);
});
