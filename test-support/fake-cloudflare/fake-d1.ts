// The data of the fake API's D1 databases: each one a real SQLite database in workerd (Miniflare's
// D1, in memory), started the first time a database's data is touched. Export writes a dump in the
// shape `wrangler d1 export` downloads (schema, then one INSERT per row); import runs a SQL file.
import { Miniflare } from 'miniflare';

type D1 = Awaited<ReturnType<Miniflare['getD1Database']>>;
type Value = string | number | null | ArrayBuffer;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
function literal(value: Value): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (value instanceof ArrayBuffer) return `X'${Buffer.from(value).toString('hex')}'`;
  return `'${String(value).replace(/'/g, "''")}'`;
}

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

  async dump(uuid: string): Promise<string> {
    const db = await this.db(uuid);
    const tables = (await db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").all<{ name: string; sql: string }>()).results;
    const lines = ['PRAGMA defer_foreign_keys=TRUE;'];
    for (const table of tables) {
      lines.push(`${table.sql};`);
      const rows = (await db.prepare(`SELECT * FROM ${quoteIdent(table.name)} ORDER BY rowid`).raw({ columnNames: true })) as unknown as Value[][];
      const [columns, ...values] = rows;
      for (const row of values) lines.push(`INSERT INTO ${quoteIdent(table.name)} (${(columns as string[]).map(quoteIdent).join(',')}) VALUES(${row.map(literal).join(',')});`);
    }
    return `${lines.join('\n')}\n`;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.mf.dispose()));
    this.engines.clear();
  }
}
