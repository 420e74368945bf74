import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { WorkerConfig } from '../config/wrangler-config';
import type { StandInSlot } from './stand-ins';

/**
 * Test files of one vitest worker run one after another. When a file is done with a Worker, its
 * workerd is kept — storage emptied — and the next file asking for the same Worker (same bundle
 * bytes, same bindings) gets it in milliseconds instead of a new workerd (~1 s). Only within one
 * process (vitest `isolate: false`, nx-edge's default config), never shared by two files at once.
 */
export interface PooledWorker {
  mf: { dispose(): Promise<void> };
  env: Record<string, any>;
  /** Service-binding handlers of the current file (the Worker calls through this slot). */
  slot: StandInSlot;
  outDirs: string[];
}

const idle = new Map<string, PooledWorker[]>();
const MAX_IDLE = 4;
/** One entry per idle Worker, oldest first. */
const idleOrder: string[] = [];

/** What makes two startWorker calls interchangeable: every option, with each module by its bytes. */
export function signatureOf(workers: Record<string, any>[]): string {
  const normal = workers.map((w) => {
    const { modules, modulesRoot: _root, serviceBindings, ...rest } = w;
    return {
      ...rest,
      modules: (modules as { path: string; type: string }[]).map((m) => ({ type: m.type, sha: existsSync(m.path) ? createHash('sha256').update(readFileSync(m.path)).digest('hex') : m.path })),
      serviceBindings: Object.fromEntries(Object.entries((serviceBindings ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'function' ? 'handler' : v])),
    };
  });
  return createHash('sha256').update(JSON.stringify(normal)).digest('hex');
}

/** A Worker is pooled only when its whole state can be emptied: KV, R2, D1 — not DOs, queues or Postgres. */
export function isPoolable(configs: WorkerConfig[], hasPostgres: boolean): boolean {
  return !hasPostgres && configs.every((c) => !c.durable_objects?.bindings?.length && !c.queues?.consumers?.length && !c.queues?.producers?.length);
}

export function takeIdle(signature: string): PooledWorker | undefined {
  const list = idle.get(signature);
  const taken = list?.pop();
  if (list && list.length === 0) idle.delete(signature);
  if (taken) idleOrder.splice(idleOrder.lastIndexOf(signature), 1);
  return taken;
}

export async function putIdle(signature: string, worker: PooledWorker, dispose: (w: PooledWorker) => Promise<void>): Promise<void> {
  idle.set(signature, [...(idle.get(signature) ?? []), worker]);
  idleOrder.push(signature);
  while (idleOrder.length > MAX_IDLE) {
    const oldest = idleOrder.shift()!;
    const evicted = idle.get(oldest)?.shift();
    if (idle.get(oldest)?.length === 0) idle.delete(oldest);
    if (evicted) await dispose(evicted);
  }
}

/** Empties every KV namespace, R2 bucket and D1 database of the Worker (D1 then re-migrated by the caller). */
export async function emptyStorage(env: Record<string, any>, config: WorkerConfig): Promise<void> {
  for (const { binding } of config.kv_namespaces ?? []) {
    const kv = env[binding];
    for (let cursor: string | undefined, done = false; !done; ) {
      const page = await kv.list(cursor ? { cursor } : {});
      await Promise.all(page.keys.map((k: { name: string }) => kv.delete(k.name)));
      done = page.list_complete;
      cursor = page.cursor;
    }
  }
  for (const { binding } of config.r2_buckets ?? []) {
    const bucket = env[binding];
    for (let cursor: string | undefined, truncated = true; truncated; ) {
      const page = await bucket.list(cursor ? { cursor } : {});
      if (page.objects.length) await bucket.delete(page.objects.map((o: { key: string }) => o.key));
      truncated = page.truncated;
      cursor = page.cursor;
    }
  }
  for (const { binding } of config.d1_databases ?? []) {
    const db = env[binding];
    // Dependants first would need the FK graph; retrying until nothing is left is simpler and bounded.
    for (let pass = 0; pass < 10; pass++) {
      const { results } = await db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type DESC").all();
      if (results.length === 0) break;
      for (const { type, name } of results as { type: string; name: string }[]) {
        await db.prepare(`DROP ${type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${name.replace(/"/g, '""')}"`).run().catch(() => undefined);
      }
    }
  }
}
