// The data of the fake API's D1 databases: each one a real SQLite database in workerd (Miniflare's
// D1, in memory), started the first time a database's data is touched. Export and import go through
// Miniflare's own D1 code (its dump, a whole-file execute), as D1 does them.
import { Miniflare } from 'miniflare';

type D1 = Awaited<ReturnType<Miniflare['getD1Database']>>;


/** Statements of a SQL text, split at semicolons outside quotes (enough for dumps and test queries). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out.filter((s) => !/^--/.test(s) || s.includes('\n'));
}

export class FakeD1Data {
  private readonly engines = new Map<string, { mf: Miniflare; db: Promise<D1> }>();

  private db(uuid: string): Promise<D1> {
    let engine = this.engines.get(uuid);
    if (!engine) {
      const mf = new Miniflare({ modules: true, script: 'export default { fetch: () => new Response(null) }', d1Databases: { DB: uuid }, cf: false });
      engine = { mf, db: mf.ready.then(() => mf.getD1Database('DB')) };
      this.engines.set(uuid, engine);
    }
    return engine.db;
  }

  /** Runs each statement; the result per statement as D1's /query answers it. */
  async query(uuid: string, sql: string): Promise<{ results: Record<string, unknown>[]; success: true; meta: { changes: number; rows_read: number; rows_written: number; duration: number } }[]> {
    const db = await this.db(uuid);
    const statements = splitStatements(sql);
    if (statements.length === 0) return [];
    const results = await db.batch(statements.map((s) => db.prepare(s)));
    return results.map((r) => ({ results: (r.results ?? []) as Record<string, unknown>[], success: true, meta: { changes: r.meta.changes ?? 0, rows_read: r.meta.rows_read ?? 0, rows_written: r.meta.rows_written ?? 0, duration: r.meta.duration ?? 0 } }));
  }

  /**
   * The export, made by the dump code Miniflare ships (`miniflare/src/workers/d1/dumpSql.ts`, shared with D1,
   * reached as `wrangler d1 export --local` reaches it): INSERTs without column lists, then sqlite_sequence,
   * indexes, triggers and views. `dump_options` as Cloudflare takes them.
   */
  async dump(uuid: string, options: { noSchema?: boolean; noData?: boolean; tables?: string[] } = {}): Promise<string> {
    const db = await this.db(uuid);
    const rows = await db.prepare('PRAGMA miniflare_d1_export(?,?,?);').bind(options.noSchema ? 1 : 0, options.noData ? 1 : 0, ...(options.tables ?? [])).raw();
    return `${(rows[0] as string[]).join('\n')}\n`;
  }

  /** An import, as D1 runs one: the uploaded file whole (a trigger's BEGIN … END; is one statement), not split at semicolons. */
  async importFile(uuid: string, sql: string): Promise<{ rows_read: number; rows_written: number; num_queries: number }> {
    const db = await this.db(uuid);
    const result = await db.prepare(sql).run();
    return { rows_read: result.meta.rows_read ?? 0, rows_written: result.meta.rows_written ?? 0, num_queries: splitStatements(sql).length };
  }

  /** Makes the database hold exactly what `dump` holds (D1 Time Travel's restore): every view and table dropped, then the dump loaded. */
  async replaceWith(uuid: string, dump: string): Promise<void> {
    const db = await this.db(uuid);
    const objects = (await db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all()).results as { type: string; name: string }[];
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const drops = [...objects.filter((o) => o.type === 'view'), ...objects.filter((o) => o.type === 'table')].map((o) => `DROP ${o.type.toUpperCase()} IF EXISTS ${quote(o.name)}`);
    if (drops.length) await db.batch(['PRAGMA defer_foreign_keys = on', ...drops].map((sql) => db.prepare(sql)));
    const sequence = await db.prepare("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'").all();
    if (sequence.results.length) await db.prepare('DELETE FROM sqlite_sequence').run();
    if (dump.trim()) await db.prepare(dump).run();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.mf.dispose()));
    this.engines.clear();
  }
}
