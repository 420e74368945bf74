import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../utils/user-error';

/** SQL text → statements (split on `;` at line ends; comments dropped). */
export function splitSqlStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The part of a D1 binding (Miniflare's proxy) the applier uses. */
export interface D1Database {
  prepare(sql: string): { bind(...values: unknown[]): { run(): Promise<unknown> }; run(): Promise<unknown>; all(): Promise<{ results: unknown[] }> };
}

/**
 * Applies a D1 database's pending migrations as `wrangler d1 migrations apply` does: every `*.sql` of
 * `dir` in name order, each recorded in wrangler's own tracking table, so dev (persisted state) and
 * tests (fresh state) agree on what ran. Returns the files applied; the first failure throws naming
 * the file, the binding and the statement.
 */
export async function applyD1Migrations(db: D1Database, dir: string, binding: string, table = 'd1_migrations'): Promise<string[]> {
  if (!existsSync(dir)) return [];
  await db.prepare(`CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`).run();
  const done = new Set(((await db.prepare(`SELECT name FROM ${table}`).all()).results as { name: string }[]).map((r) => r.name));
  const applied: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    if (done.has(file)) continue;
    for (const statement of splitSqlStatements(readFileSync(join(dir, file), 'utf8'))) {
      try {
        await db.prepare(statement).run();
      } catch (error) {
        throw new UserError(`D1 migration ${join(dir, file)} (binding ${binding}) failed: ${(error as Error).message}\n  in: ${statement.slice(0, 200)}`);
      }
    }
    await db.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(file).run();
    applied.push(file);
  }
  return applied;
}
