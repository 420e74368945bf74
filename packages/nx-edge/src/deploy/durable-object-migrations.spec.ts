// Durable Object migrations against the fake as against Cloudflare: the script list carries the
// script's `migration_tag`, so the real wrangler sends each migration once (before, every redeploy
// resent all of them and a test could not tell).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { createWranglerRunner } from '../wrangler/wrangler-cli';

describe('Durable Object migrations (real wrangler, fake API)', () => {
  let api: FakeCloudflareApi;
  let dir: string;
  const REPO = join(__dirname, '..', '..', '..', '..');
  const config = (migrations: { tag: string; new_sqlite_classes: string[] }[]) =>
    writeFileSync(
      join(dir, 'wrangler.json'),
      JSON.stringify({ name: 'rooms', main: 'index.js', compatibility_date: '2026-04-20', durable_objects: { bindings: [{ name: 'ROOM', class_name: 'Room' }, { name: 'LOBBY', class_name: 'Lobby' }] }, migrations }),
    );

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-do-'));
    mkdirSync(join(dir, '.home', 'tmp'), { recursive: true });
    writeFileSync(
      join(dir, 'index.js'),
      "import { DurableObject } from 'cloudflare:workers';\nexport class Room extends DurableObject {}\nexport class Lobby extends DurableObject {}\nexport default { fetch: () => new Response('rooms') };\n",
    );
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first deploy sends every migration, a redeploy none, a new one only itself (old_tag → new_tag)', async () => {
    const run = createWranglerRunner(REPO, { ...fakeApiEnv(api), XDG_CONFIG_HOME: join(dir, '.home'), TMPDIR: join(dir, '.home', 'tmp'), WRANGLER_SEND_METRICS: 'false' });
    const deploy = async () => {
      const result = await run(['deploy', '-c', join(dir, 'wrangler.json')], { cwd: dir });
      expect(result.code, result.stdout + result.stderr).toBe(0);
    };
    config([{ tag: 'v1', new_sqlite_classes: ['Room'] }]);
    await deploy();
    await deploy();
    config([{ tag: 'v1', new_sqlite_classes: ['Room'] }, { tag: 'v2', new_sqlite_classes: ['Lobby'] }]);
    await deploy();
    const uploads = api.script('rooms')!.versions.map((v) => v.migrations);
    expect(uploads).toEqual([
      { new_tag: 'v1', steps: [{ new_sqlite_classes: ['Room'] }] },
      undefined,
      { old_tag: 'v1', new_tag: 'v2', steps: [{ new_sqlite_classes: ['Lobby'] }] },
    ]);
    expect(api.script('rooms')!.migrationTag).toBe('v2');
  }, 120_000);
});
