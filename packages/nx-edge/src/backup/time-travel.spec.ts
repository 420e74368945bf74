// D1 Time Travel end to end with the real wrangler against the fake API (which keeps a bookmark per write):
// each deploy records the bookmark its databases stood at; rollback --with-data returns code and data to
// before the bad deploy and records the bookmark that undoes it; restore --to-bookmark undoes it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { bundleWorker, writeDeployableConfig } from '../build';
import { readWranglerConfig } from '../config/wrangler-config';
import { formatHistoryTable, readDeploymentRecords } from '../deploy/deploy-history';
import { deployService } from '../deploy/deploy-service';
import { rollback } from '../deploy/rollout';
import { createWranglerRunner, type RunWrangler } from '../wrangler/wrangler-cli';
import { planBookmarkRestore, restoreD1Bookmark } from './time-travel';

describe('D1 Time Travel: bookmarks with each deploy, rollback --with-data, restore --to-bookmark', { timeout: 120_000 }, () => {
  let api: FakeCloudflareApi;
  let root: string;
  let run: RunWrangler;
  const uuid = '7e1d0b5a-0000-4000-8000-0000000d1d1d';
  const history = () => join(root, '.nx-edge', 'deployments.jsonl');
  const notes = async () => (await api.d1Query(uuid, 'SELECT text FROM notes ORDER BY id'))[0].results.map((r) => r.text);
  const lines: string[] = [];

  const deploy = async () => {
    const dir = join(root, 'apps', 'notes');
    const configFile = join(dir, 'wrangler.json');
    const outDir = join(root, 'dist', 'apps', 'notes');
    const loaded = readWranglerConfig(configFile).config;
    await bundleWorker({ workspaceRoot: root, projectRoot: dir, configFile, config: loaded, outDir });
    writeDeployableConfig(loaded, dir, outDir, false);
    return deployService(
      { workspaceRoot: root, project: 'notes', projectRoot: 'apps/notes', configFile, options: { env: 'production', healthCheckPath: false }, runId: 'r', historyFile: history() },
      { runWrangler: run, log: (line) => void lines.push(line) },
    );
  };

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    root = mkdtempSync(join(tmpdir(), 'nx-edge-time-travel-'));
    mkdirSync(join(root, 'apps', 'notes', 'src'), { recursive: true });
    writeFileSync(join(root, 'apps', 'notes', 'src', 'index.ts'), 'export default { fetch: () => new Response("notes") };\n');
    writeFileSync(
      join(root, 'apps', 'notes', 'wrangler.json'),
      JSON.stringify({ name: 'notes', main: 'src/index.ts', compatibility_date: '2026-04-20', env: { production: { d1_databases: [{ binding: 'DB', database_name: 'notes-db', database_id: uuid }] } } }),
    );
    api.account().d1Databases.push({ uuid, name: 'notes-db', created_at: new Date().toISOString() });
    await api.d1Query(uuid, "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT); INSERT INTO notes (text) VALUES ('first')");
    run = createWranglerRunner(root, { ...fakeApiEnv(api), XDG_CONFIG_HOME: join(root, '.home') });
  });
  afterAll(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a deploy records where each D1 database stood; rollback --with-data takes code and data back; the undo bookmark brings the data forward again', async () => {
    await deploy();
    await api.d1Query(uuid, "INSERT INTO notes (text) VALUES ('second')");
    await deploy(); // version 2 starts from [first, second]
    const [first, second] = readDeploymentRecords(history());
    expect(first.d1Bookmarks).toEqual([{ binding: 'DB', database: 'notes-db', bookmark: expect.stringMatching(/^[0-9a-f]{8}-/) }]);
    expect(second.d1Bookmarks![0].bookmark).not.toBe(first.d1Bookmarks![0].bookmark);
    expect(lines).toContain(`D1 Time Travel bookmarks before this deploy: notes-db (DB) ${second.d1Bookmarks![0].bookmark}`);
    expect(formatHistoryTable(readDeploymentRecords(history()))).toContain(`    D1 notes-db (DB) before this deploy: ${second.d1Bookmarks![0].bookmark}`);

    await api.d1Query(uuid, "INSERT INTO notes (text) VALUES ('written by the bad version')");
    const asked: string[][] = [];
    const record = await rollback({ project: 'notes', env: 'production', historyFile: history(), cwd: root }, { runWrangler: run, log: (line) => void lines.push(line) }, { withData: true, confirm: async (plan) => (asked.push(plan), true) });
    expect(asked[0][1]).toBe(`  D1 notes-db (binding DB) goes back to bookmark ${second.d1Bookmarks![0].bookmark}, read before ${second.versionId!.slice(0, 8)} was deployed (${second.time}): everything written to it since is replaced.`);
    // Code: version 1 serves again. Data: as it stood before version 2 was deployed.
    expect(api.script('notes-production')!.deployments.at(-1)!.versions).toEqual([{ version_id: first.versionId, percentage: 100 }]);
    expect(await notes()).toEqual(['first', 'second']);
    expect(record.d1Restored).toEqual([{ binding: 'DB', database: 'notes-db', bookmark: second.d1Bookmarks![0].bookmark, undo: expect.stringMatching(/^[0-9a-f]{8}-/) }]);
    const undo = record.d1Restored![0].undo;
    expect(lines).toContain(`↩ D1 notes-db (DB) back to bookmark ${second.d1Bookmarks![0].bookmark}; to undo: nx-edge restore notes -c production --to-bookmark ${undo} --database notes-db`);

    // restore --to-bookmark with the undo bookmark: the database is found from the history.
    const plan = planBookmarkRestore({ project: 'notes', env: 'production', bookmark: undo, historyFile: history() });
    expect(plan.database).toBe('notes-db');
    expect(plan.lines[0]).toContain(`goes back to Time Travel bookmark ${undo}, recorded before the rollback of version ${second.versionId!.slice(0, 8)}`);
    await restoreD1Bookmark(plan.database, plan.bookmark, { runWrangler: run, cwd: root });
    expect(await notes()).toEqual(['first', 'second', 'written by the bad version']);
  });

  it('--with-data without a recorded bookmark changes nothing; an unknown bookmark needs --database', async () => {
    const deployments = api.script('notes-production')!.deployments.length;
    // The last serving record is the rollback: the version now serving was deployed first, with a bookmark,
    // so go around that: a history whose deploys carry none.
    const bare = join(root, '.nx-edge', 'bare.jsonl');
    const { appendDeploymentRecord } = await import('../deploy/deploy-history');
    for (const r of readDeploymentRecords(history()).filter((r) => r.result === 'deployed')) appendDeploymentRecord(bare, { ...r, d1Bookmarks: undefined });
    await expect(rollback({ project: 'notes', env: 'production', historyFile: bare, cwd: root }, { runWrangler: run, log: () => undefined }, { withData: true, confirm: async () => true })).rejects.toThrow(
      /--with-data: no D1 Time Travel bookmark was recorded with the deploy of version [0-9a-f]{8} of notes-production .* Nothing changed\./,
    );
    expect(api.script('notes-production')!.deployments).toHaveLength(deployments);
    expect(() => planBookmarkRestore({ project: 'notes', env: 'production', bookmark: '00000999-00000001-00004c6d-aaaa', historyFile: history() })).toThrow(
      'bookmark 00000999-00000001-00004c6d-aaaa is not recorded for notes in production (.nx-edge/deployments.jsonl): name its database with --database <name>',
    );
    expect(() => planBookmarkRestore({ project: 'notes', env: 'production', bookmark: '$(rm -rf ~)', historyFile: history() })).toThrow('is not a D1 bookmark');
  });
});
