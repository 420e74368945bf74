// D1 export and import are asynchronous at Cloudflare: 202 `status: "active"` with a bookmark, then polls
// with `current_bookmark` until "complete". The real wrangler against the fake, which answers "active" twice
// before the outcome: a remote export and a remote file import both wait for it and carry the right data.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { createWranglerRunner, wranglerOk, type RunWrangler } from '../wrangler/wrangler-cli';

describe('D1 export and import that answer "active" before they finish', () => {
  const REPO = join(__dirname, '..', '..', '..', '..');
  let api: FakeCloudflareApi;
  let dir: string;
  let run: RunWrangler;
  let uuid: string;

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ d1Polls: 2 });
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-d1-async-'));
    uuid = '6d2f1c1e-0000-4000-8000-00000000d1a5';
    api.account().d1Databases.push({ uuid, name: 'orders-db', created_at: new Date().toISOString() });
    await api.d1Import(uuid, 'CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, total INTEGER); CREATE TRIGGER stamp AFTER INSERT ON orders BEGIN UPDATE orders SET total = total WHERE id = new.id; END; INSERT INTO orders (total) VALUES (5), (7);');
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'orders', main: 'index.js', compatibility_date: '2026-04-20', d1_databases: [{ binding: 'DB', database_name: 'orders-db', database_id: uuid }] }));
    run = createWranglerRunner(REPO, fakeApiEnv(api));
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wrangler d1 export --remote polls until complete and downloads the real dump', async () => {
    await wranglerOk(run, ['d1', 'export', 'orders-db', '--remote', '--output', join(dir, 'dump.sql')], dir, 'export');
    const polls = api.calls(`/d1/database/${uuid}/export`, 'POST');
    // At least the two "active" answers, then the outcome (more "active" ones while the dump is still being made).
    expect(polls.slice(0, 2).map((p) => p.status)).toEqual([202, 202]);
    expect(polls.at(-1)!.status).toBe(200);
    expect(readFileSync(join(dir, 'dump.sql'), 'utf8')).toBe(await api.d1Export(uuid));
  }, 60_000);

  it('wrangler d1 execute --remote --file polls the import until complete; a trigger loads whole', async () => {
    writeFileSync(join(dir, 'more.sql'), 'CREATE TRIGGER audit AFTER DELETE ON orders BEGIN SELECT 1; END;\nINSERT INTO orders (total) VALUES (9);\n');
    await wranglerOk(run, ['d1', 'execute', 'orders-db', '--remote', '--yes', '--file', join(dir, 'more.sql')], dir, 'import');
    const imports = api.calls(`/d1/database/${uuid}/import`, 'POST').map((p) => p.status);
    expect(imports.filter((s) => s === 202).length).toBeGreaterThanOrEqual(2);
    expect(imports.at(-1)).toBe(200);
    const [rows] = await api.d1Query(uuid, "SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM sqlite_master WHERE type = 'trigger') AS triggers");
    expect(rows.results[0]).toEqual({ orders: 3, triggers: 2 });
  }, 60_000);
});
