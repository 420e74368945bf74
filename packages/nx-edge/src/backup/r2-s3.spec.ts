// R2 backup and restore through R2's S3-compatible API (the fake's, SigV4 checked), with credentials derived
// from the API token as Cloudflare documents: pages of keys, awkward keys, a large object in parts, no wrangler
// process per object and no call counted in the API's request budget for the objects themselves.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import type { RunWrangler } from '../wrangler/wrangler-cli';
import { runBackup } from './backup';
import { eachLimited, r2S3Access, r2S3Client } from './r2-s3';
import { applyRestore, planRestore } from './restore';

const BIG = 12 * 1024 * 1024;

describe('R2 through the S3 API', () => {
  let api: FakeCloudflareApi;
  let dir: string;
  const noWrangler: RunWrangler = async (args) => {
    throw new Error(`no wrangler call expected for R2 objects: wrangler ${args.join(' ')}`);
  };
  const original = new Map<string, Buffer>([
    ['a&b <c>.txt', Buffer.from('ampersand')],
    ['dir/ü nicode.json', Buffer.from('{"u":1}')],
    ['dir/deep/x', Buffer.from('x')],
    ['big.bin', Buffer.alloc(BIG, 7)],
    ...Array.from({ length: 5 }, (_, i) => [`n/${i}`, Buffer.from(`n${i}`)] as [string, Buffer]),
  ]);

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ pageSize: 3 });
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-r2-s3-'));
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'files', main: 'index.js', compatibility_date: '2026-04-20', r2_buckets: [{ binding: 'FILES', bucket_name: 'files-bucket' }] }));
    api.account().r2Buckets.push({ name: 'files-bucket', creation_date: new Date().toISOString() });
    for (const [key, body] of original) api.r2('files-bucket').set(key, body);
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('credentials come from the API token (its id, the SHA-256 of its value) or from R2_ACCESS_KEY_ID', async () => {
    const derived = await r2S3Access(fakeApiEnv(api), api.accountId, fetch);
    expect(derived).toMatchObject({ endpoint: api.r2Endpoint, source: 'CLOUDFLARE_API_TOKEN' });
    expect(derived!.secretAccessKey).toBe(api.digest(api.token));
    const given = await r2S3Access({ R2_ACCESS_KEY_ID: 'k', R2_SECRET_ACCESS_KEY: 's' }, 'acc', fetch);
    expect(given).toEqual({ endpoint: 'https://acc.r2.cloudflarestorage.com', accessKeyId: 'k', secretAccessKey: 's', source: 'R2_ACCESS_KEY_ID' });
    const wrong = r2S3Client({ ...derived!, secretAccessKey: 'not-it' });
    await expect(wrong.list('files-bucket')).rejects.toThrow("listing the objects of R2 bucket files-bucket failed through R2's S3 API: HTTP 403 SignatureDoesNotMatch (check R2_ACCESS_KEY_ID/R2_SECRET_ACCESS_KEY, or that the API token may read and write R2)");
  });

  it('backup reads every object through the S3 API, page after page, and restore puts the bucket back exactly (a large object in parts)', async () => {
    const lines: string[] = [];
    const manifest = await runBackup(
      { workspaceRoot: dir, project: 'files', projectRoot: '.', configFile: join(dir, 'wrangler.json') },
      { runWrangler: noWrangler, log: (l) => void lines.push(l), environment: fakeApiEnv(api), wranglerVersion: '4.86.0' },
    );
    expect(manifest!.resources[0]).toMatchObject({ kind: 'r2', count: original.size });
    const lists = api.s3Requests.filter((r) => r.method === 'GET' && r.key === undefined && r.status === 200);
    expect(lists).toHaveLength(3); // 3 + 3 + 3 keys, pages of 3
    expect(api.calls('/r2/buckets/files-bucket/objects')).toEqual([]); // nothing through the API or wrangler

    // The bucket drifts: one object changed, one gone, one added.
    const bucket = api.r2('files-bucket');
    bucket.set('n/0', Buffer.from('changed'));
    bucket.delete('dir/deep/x');
    bucket.set('stray', Buffer.from('not in the backup'));
    const backupDir = join(dir, 'backups', 'top-level', 'files');
    const [stamp] = readdirSync(backupDir).filter((name) => !name.startsWith('.'));
    const restoreDeps = { runWrangler: noWrangler, log: (l: string) => void lines.push(l), environment: fakeApiEnv(api), r2: { multipartThreshold: 8 * 1024 * 1024, partSize: 5 * 1024 * 1024 } };
    const plan = await planRestore(join(backupDir, stamp), undefined, dir, restoreDeps);
    expect(plan.steps[0].current).toContain('stray');
    await applyRestore(plan, dir, restoreDeps);
    // Compared by digest: a deep comparison of 12 MiB buffers takes the test runner minutes.
    const digests = (objects: Map<string, Buffer>) => Object.fromEntries([...objects.entries()].map(([key, body]) => [key, api.digest(body.toString('latin1'))]));
    expect(digests(bucket)).toEqual(digests(original));
    expect(lines.at(-1)).toBe(`✔ R2 files-bucket (FILES): ${original.size} objects restored, 1 removed (S3 API)`);
    // The 12 MiB object went up in three parts (5 + 5 + 2 MiB) and was completed.
    const parts = api.s3Requests.filter((r) => r.key === 'big.bin' && r.method === 'PUT' && r.query.partNumber);
    expect(parts.map((r) => r.query.partNumber)).toEqual(['1', '2', '3']);
    expect(api.s3Requests.some((r) => r.key === 'big.bin' && r.method === 'POST' && r.query.uploadId && r.status === 200)).toBe(true);
  });

  it('eachLimited never runs more than its limit at once and stops taking work after a failure', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await expect(
      eachLimited([...Array(20).keys()], 4, async (n) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        if (n === 5) throw new Error('five');
        done.push(n);
      }),
    ).rejects.toThrow('five');
    expect(most).toBe(4);
    expect(done.length).toBeLessThan(19);
  });
});
