import { describe, expect, it } from 'vitest';
import { jsonFromOutput } from '../wrangler/wrangler-output';
import { migrationsInDump } from './backup';

describe('jsonFromOutput', () => {
  it('reads the JSON between wrangler banners and its "Success!" line', () => {
    expect(jsonFromOutput('⛅️ wrangler 4.86.0\n{\n  "user:1": "ada",\n  "x": "}"\n}\nSuccess!\n', 'values')).toEqual({ 'user:1': 'ada', x: '}' });
    expect(jsonFromOutput('[{"name":"a"}]\n', 'keys')).toEqual([{ name: 'a' }]);
  });

  it('says what it could not read, with the output', () => {
    expect(() => jsonFromOutput('✘ [ERROR] nope\n', 'the keys of ns')).toThrow("could not read the keys of ns from wrangler's output:\n✘ [ERROR] nope");
  });
});

describe('migrationsInDump', () => {
  it('lists the applied migrations a D1 dump holds, in order', () => {
    const dump = `CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY);\nINSERT INTO "d1_migrations" ("id","name","applied_at") VALUES(1,'0001_init.sql','2026-12-01 10:00:00');\nINSERT INTO "d1_migrations" ("id","name","applied_at") VALUES(2,'0002_it''s.sql','2026-12-01 11:00:00');\nINSERT INTO "notes" ("id","body") VALUES(1,'0003_not_a_migration.sql');\n`;
    expect(migrationsInDump(dump)).toEqual(['0001_init.sql', "0002_it's.sql"]);
  });
});

describe('backup --dir', () => {
  it('honours an absolute folder and keeps a relative one inside the workspace', async () => {
    const { projectBackupDir } = await import('./backup');
    expect(projectBackupDir('/ws', '/var/backups', 'staging', 'store')).toBe('/var/backups/staging/store');
    expect(projectBackupDir('/ws', 'backups', '', 'store')).toBe('/ws/backups/top-level/store');
    expect(projectBackupDir('/ws', undefined, 'production', 'api')).toBe('/ws/backups/production/api');
  });
});
