import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { BINDING_KINDS } from '../config/bindings';
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

/** A Worker is pooled only when its whole state can be emptied (KV, R2, D1 — not DOs, queues, Workflows or Postgres). */
export function isPoolable(configs: WorkerConfig[], hasPostgres: boolean): boolean {
  return !hasPostgres && configs.every((c) => !BINDING_KINDS.some((kind) => kind.keepsStateBetweenTests?.(c)));
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
  for (const kind of BINDING_KINDS) await kind.emptyForNextTest?.(env, config);
}
