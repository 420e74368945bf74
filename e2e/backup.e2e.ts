// Backups and restores of a Worker's D1 database and KV namespace in a fresh workspace, with the real
// wrangler CLI against the fake Cloudflare API (its D1 databases are real SQLite in workerd).
import { cpSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../test-support/fake-cloudflare/fake-cloudflare-api';
import { createE2eWorkspace, type E2eWorkspace, type RunResult } from './support/workspace';

const KEY = 'backup-key-E2E-NEVER-PRINTED-51';
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('backup and restore', () => {
  let ws: E2eWorkspace;
  let api: FakeCloudflareApi;
  let env: Record<string, string>;
  const printed: string[] = [];
  let dbId: string;
  let kvId: string;
  let first: string;
  let exportBefore: string;

  const nx = async (args: string[], extra: Record<string, string> = {}): Promise<RunResult> => {
    const result = await ws.nx(args, { env: { ...env, ...extra } });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const cli = async (args: string[], extra: Record<string, string> = {}): Promise<RunResult> => {
    const result = await ws.run('npx', ['nx-edge', ...args], { env: { ...env, ...extra } });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const backups = () => readdirSync(join(ws.root, 'backups', 'staging', 'store')).sort();
  const rows = async (sql: string) => (await api.d1Query(dbId, sql))[0].results;

  beforeAll(async () => {
    ws = await createE2eWorkspace('backup');
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    env = fakeApiEnv(api);
    ws.write(
      'apps/store/wrangler.jsonc',
      `{
  // store: notes in D1, a cache in KV, files in R2
  "name": "store",
  "main": "src/index.ts",
  "compatibility_date": "2026-04-20",
  "env": {
    "staging": {
      "d1_databases": [{ "binding": "DB", "database_name": "store-staging-db" }],
      "kv_namespaces": [{ "binding": "CACHE" }],
      "r2_buckets": [{ "binding": "FILES", "bucket_name": "store-staging-files" }]
    }
  }
}
`,
    );
    ws.write('apps/store/src/index.ts', `export default { fetch: () => new Response('store') };\n`);
    const provisioned = await nx(['run', 'store:provision', '-c', 'staging']);
    if (provisioned.code !== 0) throw new Error(provisioned.stdout + provisioned.stderr);
    dbId = api.account().d1Databases.find((d) => d.name === 'store-staging-db')!.uuid;
    kvId = api.account().kvNamespaces.find((n) => n.title === 'store-staging-CACHE')!.id;
    await api.d1Query(
      dbId,
      `CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);
       INSERT INTO d1_migrations (name) VALUES ('0001_init.sql');
       CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
       INSERT INTO notes (body) VALUES ('first note'), ('it''s the second');`,
    );
    // What real schemas have besides tables (a real dump carries each, after the data): an AUTOINCREMENT
    // counter, an index, a trigger (BEGIN … END; is one statement), a view.
    await api.d1Import(
      dbId,
      `CREATE INDEX notes_body ON notes(body);
       CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, note INTEGER);
       CREATE TRIGGER notes_audit AFTER INSERT ON notes BEGIN INSERT INTO audit (note) VALUES (NEW.id); END;
       CREATE VIEW long_notes AS SELECT * FROM notes WHERE length(body) > 10;`,
    );
    exportBefore = await api.d1Export(dbId);
    api.kv(kvId).set('user:1', 'ada');
    api.kv(kvId).set('user:2', '{"name":"grace"}');
    api.r2('store-staging-files').set('docs/readme.txt', Buffer.from('hello from R2'));
    api.r2('store-staging-files').set('images/pixel.bin', Buffer.from([0, 255, 1, 254, 10, 13]));
  });

  afterAll(async () => {
    await ws?.dispose();
    await api?.close();
  });

  it('nx run store:backup -c staging exports D1, KV and R2 with a manifest of checksums', async () => {
    const result = await nx(['run', 'store:backup', '-c', 'staging', '--output-style=static']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(backups()).toHaveLength(1);
    first = join(ws.root, 'backups', 'staging', 'store', backups()[0]);
    expect(result.stdout).toMatch(new RegExp(`✔ backed up store \\(staging\\): D1 store-staging-db \\(DB\\) 3 rows, KV ${kvId.slice(0, 8)}… \\(CACHE\\) 2 keys, R2 store-staging-files \\(FILES\\) 2 objects — [\\d.]+ (?:B|KiB|MiB) → backups/staging/store/\\d{8}T\\d{6}Z`));
    const manifest = JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ project: 'store', worker: 'store-staging', env: 'staging', encrypted: false, wranglerVersion: expect.stringMatching(/^4\./) });
    expect(manifest.resources.map((r: { kind: string; file: string; count: number; migrations?: string[] }) => [r.kind, r.file, r.count, r.migrations])).toEqual([
      ['d1', 'd1-DB.sql', 3, ['0001_init.sql']],
      ['kv', 'kv-CACHE.json', 2, undefined],
      ['r2', 'r2-FILES.json', 2, undefined],
    ]);
    for (const r of manifest.resources) expect(sha(join(first, r.file))).toBe(r.sha256);
    // The env's data: only its owner can enter the folder, and git ignores every backup.
    expect(statSync(first).mode & 0o077).toBe(0);
    expect(readFileSync(join(ws.root, 'backups', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const r2 = manifest.resources[2];
    for (const o of r2.objects) expect(sha(join(first, o.file))).toBe(o.sha256);
    expect(JSON.parse(readFileSync(join(first, 'r2-FILES.json'), 'utf8'))).toEqual([{ key: 'docs/readme.txt', file: 'r2-FILES/000001' }, { key: 'images/pixel.bin', file: 'r2-FILES/000002' }]);
    expect([...readFileSync(join(first, 'r2-FILES/000002'))]).toEqual([0, 255, 1, 254, 10, 13]);
    // The dump is D1's format (Miniflare's dump code): no column lists; sequences, index, trigger, view after the data.
    const dump = readFileSync(join(first, 'd1-DB.sql'), 'utf8');
    expect(dump).toContain(`INSERT INTO "notes" VALUES(2,'it''s the second');`);
    expect(dump).toMatch(/INSERT INTO "sqlite_sequence" VALUES\('d1_migrations',1\);[\s\S]*CREATE INDEX notes_body[\s\S]*CREATE TRIGGER notes_audit[\s\S]*CREATE VIEW long_notes/);
    expect(JSON.parse(readFileSync(join(first, 'kv-CACHE.json'), 'utf8'))).toEqual([{ key: 'user:1', value: 'ada' }, { key: 'user:2', value: '{"name":"grace"}' }]);
  });

  it('backup → change data → restore: the plan first (a dry run changes nothing), then the data is back, checksums identical', async () => {
    await api.d1Query(dbId, `INSERT INTO notes (body) VALUES ('written after the backup'); UPDATE notes SET body = 'changed' WHERE id = 1; CREATE TABLE tags (name TEXT); INSERT INTO d1_migrations (name) VALUES ('0002_tags.sql');`);
    api.kv(kvId).delete('user:1');
    api.kv(kvId).set('user:3', 'added later');
    api.r2('store-staging-files').delete('docs/readme.txt');
    api.r2('store-staging-files').set('images/pixel.bin', Buffer.from('overwritten'));
    api.r2('store-staging-files').set('tmp/new.txt', Buffer.from('added later'));
    const changed = await rows('SELECT id, body FROM notes ORDER BY id');

    const dry = await cli(['restore', first, '-c', 'staging', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/restore store \(staging\) from backups\/staging\/store\/\d{8}T\d{6}Z \(backup of staging, [^;]+; every checksum verified\):/);
    expect(dry.stdout).toMatch(/ {2}1\. D1 database store-staging-db \(binding DB\): drop its 4 tables \(audit, d1_migrations, notes, tags\) and 1 view \(long_notes\), then load 3 rows/);
    expect(dry.stdout).toMatch(/ {2}2\. KV namespace [0-9a-f]+ \(binding CACHE\): write 2 keys \([^)]+\), delete 1 key the backup does not have/);
    expect(dry.stdout).toMatch(/ {2}3\. R2 bucket store-staging-files \(binding FILES\): write 2 objects \([^)]+\), delete 1 object the backup does not have/);
    expect(dry.stdout).toContain('! D1 store-staging-db has migrations the backup predates (0002_tags.sql): their schema changes are lost; apply them again afterwards');
    expect(dry.stdout).toContain('dry run: nothing was written.');
    expect(await rows('SELECT id, body FROM notes ORDER BY id')).toEqual(changed);
    expect(api.kv(kvId).has('user:3')).toBe(true);

    const refused = await cli(['restore', first, '-c', 'staging']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was written: restoring replaces the data above. Confirm with --yes');

    const restored = await cli(['restore', first, '-c', 'staging', '--yes']);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain('✔ D1 store-staging-db (DB): 3 rows restored');
    expect(restored.stdout).toContain('✔ KV ' + kvId + ' (CACHE): 2 keys restored, 1 removed');
    expect(await rows('SELECT id, body FROM notes ORDER BY id')).toEqual([{ id: 1, body: 'first note' }, { id: 2, body: "it's the second" }]);
    // Every schema object and counter is back: the export after equals the export before, byte for byte.
    expect(await api.d1Export(dbId)).toBe(exportBefore);
    expect([...api.kv(kvId).entries()].sort()).toEqual([['user:1', 'ada'], ['user:2', '{"name":"grace"}']]);
    expect(restored.stdout).toContain('✔ R2 store-staging-files (FILES): 2 objects restored, 1 removed');
    expect([...api.r2('store-staging-files').entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v]])).toEqual([
      ['docs/readme.txt', [...Buffer.from('hello from R2')]],
      ['images/pixel.bin', [0, 255, 1, 254, 10, 13]],
    ]);

    // A new backup of the restored data has the same checksums as the first one.
    await new Promise((r) => setTimeout(r, 1100)); // backups are named by the second
    expect((await nx(['run', 'store:backup', '-c', 'staging'])).code).toBe(0);
    const again = join(ws.root, 'backups', 'staging', 'store', backups().at(-1)!);
    const checksums = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).resources.map((r: { file: string; sha256: string; objects?: unknown[] }) => [r.file, r.sha256, r.objects]);
    expect(checksums(again)).toEqual(checksums(first));
  });

  it('a corrupted backup is refused before anything is written', async () => {
    const broken = join(ws.root, 'backups', 'broken');
    cpSync(first, broken, { recursive: true });
    const dump = join(broken, 'd1-DB.sql');
    writeFileSync(dump, readFileSync(dump, 'utf8').replace('first note', 'first n0te'));
    await api.d1Query(dbId, `INSERT INTO notes (body) VALUES ('must survive');`);
    const before = api.requests.length;
    const result = await cli(['restore', broken, '-c', 'staging', '--yes']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to restore backups/broken: the backup is damaged, nothing was written:\n  - d1-DB.sql does not match its checksum');
    expect(api.requests.slice(before)).toEqual([]); // not even a read
    expect((await rows("SELECT body FROM notes WHERE body = 'must survive'")).length).toBe(1);
  });

  it('a hostile backup folder (a file outside it, a symlink, a malformed manifest, counts that lie) is refused before any API call', async () => {
    const evil = "INSERT INTO notes (body) VALUES ('evil');\n";
    ws.write('outside/evil.sql', evil);
    const evilSha = createHash('sha256').update(evil).digest('hex');
    const copy = (name: string, change: (manifest: any, dir: string) => void) => {
      const dir = join(ws.root, 'backups', name);
      cpSync(first, dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      change(manifest, dir);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      return dir;
    };
    const d1 = (m: any): number => m.resources.findIndex((r: { kind: string }) => r.kind === 'd1');
    const d1Index = d1(JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')));
    const cases: [string, string][] = [
      [copy('outside', (m) => Object.assign(m.resources[d1(m)], { file: '../../outside/evil.sql', sha256: evilSha })), `resources[${d1Index}].file is not a plain file name inside the backup folder`],
      [
        copy('symlink', (m, dir) => {
          rmSync(join(dir, 'd1-DB.sql'));
          symlinkSync(join(ws.root, 'outside', 'evil.sql'), join(dir, 'd1-DB.sql'));
          m.resources[d1(m)].sha256 = evilSha;
        }),
        'd1-DB.sql is a symbolic link: a backup holds its own files only; nothing was restored.',
      ],
      [copy('no-sha', (m) => delete m.resources[0].sha256), 'resources[0].sha256 is missing or not a sha256 (64 hex digits)'],
      [copy('null-resource', (m) => (m.resources[0] = null)), 'resources[0] is not an object'],
    ];
    const before = api.requests.length;
    for (const [dir, message] of cases) {
      const result = await cli(['restore', dir, '-c', 'staging', '--yes']);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/TypeError|\n\s+at /); // one line, no stack trace
    }
    expect(api.requests.slice(before)).toEqual([]);
    expect(await rows("SELECT body FROM notes WHERE body = 'evil'")).toEqual([]);
    // Counts come from the data: a manifest claiming 999 rows shows what the dump holds.
    const lying = copy('lying-count', (m) => (m.resources[d1(m)].count = 999));
    const plan = await cli(['restore', lying, '-c', 'staging', '--dry-run']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    // (as a count: a random namespace id may hold the digits 999)
    expect(plan.stdout).not.toMatch(/\b999 rows\b/);
    expect(plan.stdout).toMatch(/then load 3 rows/);
  });

  it('--keep=2 keeps the two newest backups, only after a backup succeeded', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const result = await nx(['run', 'store:backup', '-c', 'staging', '--keep=2', '--output-style=static']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(backups()).toHaveLength(2);
    expect(backups()).not.toContain(first.split('/').at(-1));
    expect(result.stdout).toMatch(/retention \(--keep=2\): removed 1 older backup: \d{8}T\d{6}Z/);
  });

  it('NX_EDGE_BACKUP_KEY encrypts the files; a restore without it or with another key is refused; the key is never printed', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const result = await nx(['run', 'store:backup', '-c', 'staging', '--output-style=static'], { NX_EDGE_BACKUP_KEY: KEY });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(', encrypted → backups/staging/store/');
    const dir = join(ws.root, 'backups', 'staging', 'store', backups().at(-1)!);
    expect(readdirSync(dir).sort()).toEqual(['d1-DB.sql.enc', 'kv-CACHE.json.enc', 'manifest.json', 'r2-FILES', 'r2-FILES.json.enc']);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).not.toContain('readme.txt'); // object keys are inside the encrypted index
    expect(readFileSync(join(dir, 'd1-DB.sql.enc')).includes('must survive')).toBe(false);
    const without = await cli(['restore', dir, '-c', 'staging', '--dry-run']);
    expect(without.stderr).toContain('is encrypted: set NX_EDGE_BACKUP_KEY to the key it was made with. Nothing was written.');
    const wrong = await cli(['restore', dir, '-c', 'staging', '--dry-run'], { NX_EDGE_BACKUP_KEY: 'not-the-key' });
    expect(wrong.stderr).toContain('manifest.json does not match its authentication: it was changed after the backup, or NX_EDGE_BACKUP_KEY is not the key it was made with. Nothing was restored.');
    // The manifest of an encrypted backup is authenticated: pointing it at another file is refused.
    const edited = join(ws.root, 'backups', 'edited');
    cpSync(dir, edited, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(edited, 'manifest.json'), 'utf8'));
    manifest.resources[0].count = 999;
    writeFileSync(join(edited, 'manifest.json'), JSON.stringify(manifest));
    const tampered = await cli(['restore', edited, '-c', 'staging', '--dry-run'], { NX_EDGE_BACKUP_KEY: KEY });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('backups/edited/manifest.json does not match its authentication');
    const right = await cli(['restore', dir, '-c', 'staging', '--dry-run'], { NX_EDGE_BACKUP_KEY: KEY });
    expect(right.code, right.stdout + right.stderr).toBe(0);
    expect(right.stdout).toContain('every checksum verified, decrypted');
    expect(printed.join('\n')).not.toContain(KEY);
  });

  it('an API failure at step N: a backup leaves no folder and keeps the old ones; a restore stops there and says what is done', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const before = backups();
    const undo = api.inject({ method: 'POST', path: '/bulk/get', status: 500 });
    const failed = await nx(['run', 'store:backup', '-c', 'staging', '--keep=1']).finally(undo);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain(`reading keys of KV namespace ${kvId} failed: HTTP 500 injected failure (500)`);
    expect(backups()).toEqual(before); // no .partial left, retention not applied
    expect(readdirSync(join(ws.root, 'backups', 'staging', 'store')).some((n) => n.endsWith('.partial'))).toBe(false);

    const plainBackup = join(ws.root, 'backups', 'staging', 'store', before.find((n) => !readdirSync(join(ws.root, 'backups', 'staging', 'store', n)).some((f) => f.endsWith('.enc')))!);
    await api.d1Query(dbId, `INSERT INTO notes (body) VALUES ('undone by the restore');`);
    const undoPut = api.inject({ method: 'PUT', path: /\/storage\/kv\/namespaces\/[^/]+\/bulk$/, status: 500 });
    const restore = await cli(['restore', plainBackup, '-c', 'staging', '--yes']).finally(undoPut);
    expect(restore.code).toBe(1);
    expect(restore.stdout).toContain('✔ D1 store-staging-db (DB): 3 rows restored');
    expect(restore.stderr).toContain(`writing the keys of ${kvId} failed`);
    expect(restore.stderr).toMatch(/The restore stopped there \(0 of \d+ keys written\); the steps before it are done\. Run the same restore again once the cause is fixed\./);
    expect((await rows("SELECT body FROM notes WHERE body = 'undone by the restore'")).length).toBe(0);
  });
});
