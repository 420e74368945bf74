// Lists that cross page boundaries, against the fake API paging as Cloudflare does (cursor pages, small
// pages here so a handful of items crosses them): KV keys through the real wrangler, R2 objects through
// our own List Objects reader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { createWranglerRunner } from '../wrangler/wrangler-cli';
import { getKvValuesThroughApi, listKvKeys, listKvKeysThroughApi, listR2Objects } from './backup';

describe('lists across pages', () => {
  let api: FakeCloudflareApi;
  let dir: string;
  const REPO = join(__dirname, '..', '..', '..', '..');

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ pageSize: 3 });
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-pages-'));
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'pages', main: 'index.js', compatibility_date: '2026-04-20' }));
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('KV: wrangler kv key list follows every cursor page (10 keys, pages of 3)', async () => {
    api.account().kvNamespaces.push({ id: 'ns-pages', title: 'pages' });
    const keys = Array.from({ length: 10 }, (_, i) => `key:${String(i).padStart(2, '0')}`);
    for (const key of keys) api.kv('ns-pages').set(key, 'v');
    const run = createWranglerRunner(REPO, { ...fakeApiEnv(api), WRANGLER_SEND_METRICS: 'false' });
    expect(await listKvKeys(run, 'ns-pages', [], dir)).toEqual(keys);
    const pages = api.calls('/storage/kv/namespaces/ns-pages/keys', 'GET');
    expect(pages).toHaveLength(4); // 3 + 3 + 3 + 1
    expect(pages.slice(1).every((p) => typeof p.query.cursor === 'string' && p.query.cursor !== '')).toBe(true);
  }, 60_000);

  it('R2: every object of a bucket, page after page, and a repeated cursor is an error, never a loop', async () => {
    api.account().r2Buckets.push({ name: 'pages-bucket', creation_date: new Date().toISOString() });
    const keys = Array.from({ length: 7 }, (_, i) => `obj/${i}`);
    for (const key of keys) api.r2('pages-bucket').set(key, Buffer.from(key));
    expect(await listR2Objects({ apiBase: api.url, accountId: api.accountId, token: api.token, fetch: fetch }, 'pages-bucket')).toEqual(keys);
    expect(api.calls('/r2/buckets/pages-bucket/objects', 'GET')).toHaveLength(3); // 3 + 3 + 1
    const stuck: typeof fetch = async () => Response.json({ success: true, errors: [], result: [{ key: 'a' }], result_info: { cursor: 'same', is_truncated: true } });
    await expect(listR2Objects({ apiBase: api.url, accountId: api.accountId, token: api.token, fetch: stuck }, 'pages-bucket')).rejects.toThrow('the API returned the same cursor twice; 2 keys were read.');
  });
});

describe('under the API\'s rate limit (429 once the budget is spent, as Cloudflare does)', () => {
  let api: FakeCloudflareApi;
  let dir: string;
  const REPO = join(__dirname, '..', '..', '..', '..');
  const saved = process.env.NX_EDGE_RATE_LIMIT_WAIT_MS;

  beforeAll(() => {
    process.env.NX_EDGE_RATE_LIMIT_WAIT_MS = '400';
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-429-'));
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'limited', main: 'index.js', compatibility_date: '2026-04-20' }));
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.NX_EDGE_RATE_LIMIT_WAIT_MS;
    else process.env.NX_EDGE_RATE_LIMIT_WAIT_MS = saved;
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists that hit 429 wait and finish with every key and object; a budget that never lifts is one clear error', async () => {
    api = await startFakeCloudflareApi({ pageSize: 3, rateLimit: { requests: 5, windowMs: 60_000, blockMs: 300 } });
    for (const ns of ['ns-a', 'ns-b']) {
      api.account().kvNamespaces.push({ id: ns, title: ns });
      for (let i = 0; i < 10; i++) api.kv(ns).set(`${ns}:${i}`, 'v');
    }
    const run = createWranglerRunner(REPO, { ...fakeApiEnv(api), WRANGLER_SEND_METRICS: 'false' });
    // 4 pages each: the second listing runs into the budget of 5, waits, and is run again.
    expect(await listKvKeys(run, 'ns-a', [], dir)).toHaveLength(10);
    expect(await listKvKeys(run, 'ns-b', [], dir)).toHaveLength(10);
    api.account().r2Buckets.push({ name: 'limited-bucket', creation_date: new Date().toISOString() });
    for (let i = 0; i < 7; i++) api.r2('limited-bucket').set(`o/${i}`, Buffer.from('x'));
    expect(await listR2Objects({ apiBase: api.url, accountId: api.accountId, token: api.token, fetch: fetch }, 'limited-bucket')).toHaveLength(7);
    expect(api.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);
    await api.close();

    api = await startFakeCloudflareApi({ rateLimit: { requests: 1, windowMs: 60_000, blockMs: 60_000 } });
    api.account().kvNamespaces.push({ id: 'ns-c', title: 'ns-c' });
    process.env.NX_EDGE_RATE_LIMIT_WAIT_MS = '20';
    const blocked = createWranglerRunner(REPO, { ...fakeApiEnv(api), WRANGLER_SEND_METRICS: 'false' });
    await listKvKeys(blocked, 'ns-c', [], dir); // spends the budget
    await expect(listKvKeys(blocked, 'ns-c', [], dir)).rejects.toThrow(/wrangler kv key list of namespace ns-c failed: Cloudflare's API kept answering 429 \(its rate limit: 1,200 requests per five minutes per user, then five minutes blocked\) after 3 waits/);
  }, 120_000);

  it('a KV list longer than the budget still finishes through the API: each page waits out its own 429', async () => {
    process.env.NX_EDGE_RATE_LIMIT_WAIT_MS = '400';
    const small = await startFakeCloudflareApi({ pageSize: 3, rateLimit: { requests: 2, windowMs: 60_000, blockMs: 300 } });
    try {
      small.account().kvNamespaces.push({ id: 'ns-long', title: 'ns-long' });
      for (let i = 0; i < 10; i++) small.kv('ns-long').set(`k:${i}`, `v${i}`);
      const access = { apiBase: small.url, accountId: small.accountId, token: small.token, fetch };
      // 4 pages against a budget of 2: a `wrangler kv key list` would start over each time and never finish.
      const keys = await listKvKeysThroughApi(access, 'ns-long');
      expect(keys).toHaveLength(10);
      expect(await getKvValuesThroughApi(access, 'ns-long', keys.slice(0, 3))).toEqual({ 'k:0': 'v0', 'k:1': 'v1', 'k:2': 'v2' });
      expect(small.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);
    } finally {
      await small.close();
    }
  }, 60_000);
});
