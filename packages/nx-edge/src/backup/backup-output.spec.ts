import { describe, expect, it } from 'vitest';
import { jsonFromOutput } from '../wrangler/wrangler-output';
import { Miniflare } from 'miniflare';
import { dumpRowCount, migrationsInDump } from './backup';

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

  it('reads a real dump: Miniflare\'s dump code (what wrangler d1 export --local runs; D1 shares it), no column lists', async () => {
    const mf = new Miniflare({ modules: true, script: 'export default { fetch: () => new Response(null) }', d1Databases: { DB: 'dump-spec' }, cf: false });
    try {
      const db = await mf.getD1Database('DB');
      await db
        .prepare(
          `CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);
           INSERT INTO d1_migrations (name) VALUES ('0001_init.sql'), ('0002_it''s.sql');
           CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL);
           CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, uid INTEGER);
           CREATE INDEX users_email ON users(email);
           CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit (uid) VALUES (NEW.id); END;
           CREATE VIEW gmail AS SELECT * FROM users WHERE email LIKE '%@gmail.com';
           INSERT INTO users (email) VALUES ('a@x'), ('b@gmail.com');`,
        )
        .run();
      const rows = await db.prepare('PRAGMA miniflare_d1_export(?,?,?);').bind(0, 0).raw();
      const dump = (rows[0] as string[]).join('\n');
      expect(dump).toContain(`INSERT INTO "d1_migrations" VALUES(1,'0001_init.sql',`);
      expect(migrationsInDump(dump)).toEqual(['0001_init.sql', "0002_it's.sql"]);
      // 2 migrations + 2 users + 2 audit rows (the trigger's); sqlite_sequence's counters are no rows of the user's.
      expect(dump).toContain('INSERT INTO "sqlite_sequence" VALUES(');
      expect(dumpRowCount(dump)).toBe(6);
    } finally {
      await mf.dispose();
    }
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
