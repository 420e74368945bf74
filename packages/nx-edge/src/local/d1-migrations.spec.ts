import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { applyD1Migrations, splitSqlStatements } from './d1-migrations';

describe('D1 migrations (one applier for dev and tests)', () => {
  let dir: string | undefined;
  let mf: Miniflare | undefined;
  afterEach(async () => {
    await mf?.dispose();
    mf = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('splits statements at line-ending semicolons and drops comments', () => {
    expect(splitSqlStatements('-- users\nCREATE TABLE u (id INT);\nINSERT INTO u VALUES (1);\n')).toEqual(['CREATE TABLE u (id INT)', 'INSERT INTO u VALUES (1)']);
  });

  it('applies pending files in name order once, recorded in wrangler\'s d1_migrations table; a failure names file, binding and statement', async () => {
    const root = (dir = mkdtempSync(join(tmpdir(), 'nx-edge-d1-')));
    const migrations = join(root, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0002_seed.sql'), "INSERT INTO notes VALUES ('hello');\n");
    writeFileSync(join(migrations, '0001_init.sql'), 'CREATE TABLE notes (body TEXT);\n');
    mf = new Miniflare({ modules: true, script: 'export default { fetch: () => new Response() }', d1Databases: ['DB'], cf: false });
    const db = await mf.getD1Database('DB');
    expect(await applyD1Migrations(db as never, migrations, 'DB')).toEqual(['0001_init.sql', '0002_seed.sql']);
    expect(await applyD1Migrations(db as never, migrations, 'DB')).toEqual([]); // a second start applies nothing
    expect((await db.prepare('SELECT name FROM d1_migrations ORDER BY id').all()).results).toEqual([{ name: '0001_init.sql' }, { name: '0002_seed.sql' }]);
    writeFileSync(join(dir, 'migrations', '0003_broken.sql'), 'CREATE TABLE oops (;\n');
    await expect(applyD1Migrations(db as never, migrations, 'DB')).rejects.toThrow(/D1 migration .*0003_broken\.sql \(binding DB\) failed: .*\n  in: CREATE TABLE oops \(/);
  });
});
