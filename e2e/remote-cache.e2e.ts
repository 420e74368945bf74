import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startFakeRemoteCache, type FakeRemoteCache } from '../test-support/fake-remote-cache/remote-cache-server';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

/** sha256 of every file below `dir`, by relative path. */
function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

// Where teams outgrow one machine: two clones share Nx's remote cache (a self-hosted server speaking
// Nx's OpenAPI spec). The second clone restores every build and test; the restored bundles are what
// the first clone built, byte for byte, and deploy (dry run) the same.
describe('remote cache: a second clone restores every build and test', () => {
  let first: E2eWorkspace;
  let second: E2eWorkspace;
  let cache: FakeRemoteCache;
  let cacheEnv: Record<string, string>;

  beforeAll(async () => {
    cache = await startFakeRemoteCache();
    cacheEnv = { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: cache.token };
    first = await createE2eWorkspace('cache-a');
    await first.nxOk(['g', '@aero/nx-edge:function', 'api', '--no-interactive']);
    await first.nxOk(['g', '@aero/nx-edge:function', 'users', '--no-interactive']);
    await first.nxOk(['g', '@aero/nx-edge:lib', 'db', '--no-interactive']);
    await first.nxOk(['g', '@aero/nx-edge:binding', '--project=api', '--type=service', '--binding=USERS', '--service=users', '--no-interactive']);
    const git = (ws: E2eWorkspace, ...args: string[]) => execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', ...args], { cwd: ws.root });
    git(first, 'init', '-q', '-b', 'main');
    git(first, 'add', '-A');
    git(first, 'commit', '-q', '-m', 'workspace');
    // The second clone: the committed sources only (no .nx cache, no dist), the same installed packages.
    second = await createE2eWorkspace('cache-b');
    execFileSync('bash', ['-c', `git -C '${first.root}' archive HEAD | tar -x -C '${second.root}'`]);
  }, 240_000);
  afterAll(async () => {
    await first?.dispose();
    await second?.dispose();
    await cache?.close();
  });

  it('the first clone fills the cache; the second restores 100 % of build and test from it', async () => {
    await first.nxOk(['run-many', '-t', 'build', 'test'], { env: cacheEnv });
    const stored = cache.requests.filter((r) => r.method === 'PUT' && r.status === 200).length;
    expect(stored).toBeGreaterThanOrEqual(7); // types ×2, build ×2, test ×3

    const afterFirst = cache.requests.length;
    const restored = await second.nxOk(['run-many', '-t', 'build', 'test', '--output-style=static'], { env: cacheEnv });
    const tasks = [...restored.stdout.matchAll(/^> nx run (\S+)(.*)$/gm)].map((m) => ({ task: m[1], how: m[2].trim() }));
    expect(tasks.map((t) => t.task).sort()).toEqual(['api:build', 'api:test', 'api:types', 'db:test', 'users:build', 'users:test', 'users:types']);
    expect(tasks.filter((t) => t.how !== '[remote cache]'), restored.stdout).toEqual([]);
    expect(cache.requests.slice(afterFirst).filter((r) => r.method !== 'GET' || r.status !== 200)).toEqual([]); // every read a hit

    // The restored bundles are the first clone's, byte for byte, and wrangler ships the same upload.
    for (const app of ['api', 'users']) {
      expect(treeDigest(join(second.root, 'dist/apps', app))).toEqual(treeDigest(join(first.root, 'dist/apps', app)));
      const dryRun = async (ws: E2eWorkspace) => {
        const outdir = join(ws.root, 'tmp-upload', app);
        const result = await ws.run('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir, '-c', `dist/apps/${app}/wrangler.json`]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        // What would be uploaded; wrangler's README.md in the outdir names the local paths.
        const { 'README.md': _readme, ...upload } = treeDigest(outdir);
        expect(Object.keys(upload).length).toBeGreaterThan(0);
        return upload;
      };
      expect(await dryRun(second)).toEqual(await dryRun(first));
    }
  }, 300_000);

  it('deploy, dev and secrets are never cached; build, test and types are', async () => {
    const api = JSON.parse((await first.nxOk(['show', 'project', 'api', '--json'])).stdout);
    for (const target of ['deploy', 'dev', 'secrets', 'provision']) expect(api.targets[target].cache ?? false, target).toBe(false);
    for (const target of ['types', 'build', 'test']) expect(api.targets[target].cache, target).toBe(true);
  });
});
