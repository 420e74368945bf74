// Backup and restore at scale, under a request budget that keeps answering 429: a Worker binding a KV
// namespace of 10,000 keys and an R2 bucket of 5,000 objects, against the fake Cloudflare API (its
// cursor pages, its S3 endpoint, a lowered budget). Prints time and request counts for backup and for
// restore, checks every key and object is identical afterwards, and the anchor: one `wrangler r2 object get`
// per object (what backup did before the S3 client), timed on a sample and scaled.
//
//   node bench/backup.mjs [objects=5000] [keys=10000]
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/workspace.mjs';

const require = createRequire(import.meta.url);
require('@swc-node/register');
// The sources themselves (TypeScript, through swc); loaded by computed path, so this script's own type check
// does not take them in under its DOM lib (their own projects check them).
const source = (path) => require(join(REPO_ROOT, path));
const { fakeApiEnv, startFakeCloudflareApi } = source('test-support/fake-cloudflare/fake-cloudflare-api.ts');
const { runBackup } = source('packages/nx-edge/src/backup/backup.ts');
const { applyRestore, planRestore } = source('packages/nx-edge/src/backup/restore.ts');
const { createWranglerRunner } = source('packages/nx-edge/src/wrangler/wrangler-cli.ts');

const OBJECTS = Number(process.argv[2] ?? 5000);
const KEYS = Number(process.argv[3] ?? 10000);
// Cloudflare's budget is 1,200 requests per five minutes; here 5 per ten seconds, blocked for two, so a run
// of this size meets 429 again and again. The product waits 3, 6, 12 s (NX_EDGE_RATE_LIMIT_WAIT_MS).
const BUDGET = { requests: 5, windowMs: 10_000, blockMs: 2_000 };
process.env.NX_EDGE_RATE_LIMIT_WAIT_MS = '3000';

const dir = join(REPO_ROOT, 'tmp', 'bench', 'backup');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const api = await startFakeCloudflareApi({ rateLimit: BUDGET });
const env = fakeApiEnv(api);
const namespace = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
api.account().kvNamespaces.push({ id: namespace, title: 'bench-cache' });
api.account().r2Buckets.push({ name: 'bench-files', creation_date: new Date().toISOString() });
writeFileSync(
  join(dir, 'wrangler.json'),
  JSON.stringify({ name: 'bench', main: 'index.js', compatibility_date: '2026-04-20', kv_namespaces: [{ binding: 'CACHE', id: namespace }], r2_buckets: [{ binding: 'FILES', bucket_name: 'bench-files' }] }),
);
const kv = api.kv(namespace);
const bucket = api.r2('bench-files');
for (let i = 0; i < KEYS; i++) kv.set(`user:${String(i).padStart(6, '0')}`, JSON.stringify({ i, name: `user ${i}` }));
for (let i = 0; i < OBJECTS; i++) bucket.set(`uploads/${i % 50}/file-${i}.bin`, createHash('sha256').update(String(i)).digest().subarray(0, 16 + (i % 1024)));
const digest = (map) => createHash('sha256').update(JSON.stringify([...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))).digest('hex');
const before = { kv: digest(kv), r2: digest(bucket) };

const waits = [];
const origWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  if (String(chunk).includes('rate limit reached')) waits.push(String(chunk).trim());
  return origWrite(chunk, ...rest);
};
const runWrangler = createWranglerRunner(REPO_ROOT, env);
const counts = () => ({ api: api.requests.filter((r) => r.route !== 'r2 s3').length, limited: api.requests.filter((r) => r.status === 429).length, s3: api.s3Requests.length, waits: waits.length });
const since = (start) => {
  const now = counts();
  return { api: now.api - start.api, limited: now.limited - start.limited, s3: now.s3 - start.s3, waits: now.waits - start.waits };
};

let start = counts();
let t = performance.now();
await runBackup({ workspaceRoot: dir, project: 'bench', projectRoot: '.', configFile: join(dir, 'wrangler.json') }, { runWrangler, log: () => undefined, environment: env, wranglerVersion: '4.86.0' });
const backup = { seconds: (performance.now() - t) / 1000, ...since(start) };

// The data drifts: keys and objects changed, gone and added.
for (let i = 0; i < 100; i++) {
  kv.delete(`user:${String(i).padStart(6, '0')}`);
  kv.set(`user:${String(100 + i).padStart(6, '0')}`, 'changed');
  kv.set(`extra:${i}`, 'not in the backup');
  bucket.delete(`uploads/${i % 50}/file-${i}.bin`);
  bucket.set(`uploads/${(100 + i) % 50}/file-${100 + i}.bin`, Buffer.from('changed'));
  bucket.set(`stray/${i}`, Buffer.from('not in the backup'));
}

const home = join(dir, 'backups', 'top-level', 'bench');
const [stamp] = readdirSync(home).filter((n) => !n.startsWith('.'));
start = counts();
t = performance.now();
const deps = { runWrangler, log: () => undefined, environment: env };
await applyRestore(await planRestore(join(home, stamp), undefined, dir, deps), dir, deps);
const restore = { seconds: (performance.now() - t) / 1000, ...since(start) };
const identical = digest(kv) === before.kv && digest(bucket) === before.r2;

// The anchor: one wrangler process per object, as backup did before (timed on 10 objects, scaled).
const sample = [...bucket.keys()].slice(0, 10);
const budgetless = await startFakeCloudflareApi();
budgetless.account().r2Buckets.push({ name: 'bench-files', creation_date: new Date().toISOString() });
for (const key of sample) budgetless.r2('bench-files').set(key, bucket.get(key));
const anchorRun = createWranglerRunner(REPO_ROOT, fakeApiEnv(budgetless));
t = performance.now();
for (const [i, key] of sample.entries()) await anchorRun(['r2', 'object', 'get', `bench-files/${key}`, '--remote', '--file', join(dir, `anchor-${i}`)], { cwd: dir });
const perObject = (performance.now() - t) / 1000 / sample.length;
await budgetless.close();
await api.close();
process.stderr.write = origWrite;

const row = (name, r) => `| ${name} | ${r.seconds.toFixed(1)} s | ${r.api} (${r.limited} answered 429) | ${r.s3} | ${r.waits} |`;
console.log(`\nbackup/restore of ${KEYS.toLocaleString('en')} KV keys and ${OBJECTS.toLocaleString('en')} R2 objects; budget ${BUDGET.requests} requests / ${BUDGET.windowMs / 1000} s, then ${BUDGET.blockMs / 1000} s blocked\n`);
console.log('| step | time | API requests | S3 requests | waits printed |');
console.log('|---|---|---|---|---|');
console.log(row('backup', backup));
console.log(row('restore (100 changed, 100 gone, 100 added per kind)', restore));
console.log(`\nevery key and object identical after restore: ${identical ? 'yes' : 'NO'}`);
console.log(`anchor: one wrangler r2 object get per object = ${perObject.toFixed(2)} s each → ${(perObject * OBJECTS).toFixed(0)} s for ${OBJECTS} objects (without the budget); the S3 path's whole backup: ${backup.seconds.toFixed(1)} s → ${((perObject * OBJECTS) / backup.seconds).toFixed(1)}× faster`);
if (!identical) process.exitCode = 1;
