import { readWranglerConfig, resolveEnvironment } from '../../config/wrangler-config';
import type { HealthProbe, HubClient, ServiceSpec, ServiceState, ServiceStatus } from '../protocol';
import type { startChild } from './process-supervisor';
import type { createRestartPolicy } from './restart-policy';
import type { HostedWorker } from './worker-host';

/** The hub's record of one service of the session, shared by its collaborators. */
export interface Entry {
  spec: ServiceSpec;
  status: ServiceStatus;
  /** Every client that holds the service up: its own task's, and those whose closure it is in. */
  clients: Set<HubClient>;
  /**
   * The clients that attached it as their own service (its Nx task): they print its lines. Empty for a
   * Worker only a closure holds, whose lines go to the closure's clients (one merged log in one task).
   */
  owners: Set<HubClient>;
  policy: ReturnType<typeof createRestartPolicy>;
  probe?: HealthProbe;
  child?: ReturnType<typeof startChild> & { startedAt: number };
  watcher?: { close(): Promise<void>; ready: Promise<void> };
  gateTimer?: unknown;
  restartTimer?: unknown;
  abort?: AbortController;
  ready: boolean;
  /** Bumped when the service is (re)started or stopped, so late callbacks of an old run are ignored. */
  run: number;
  /**
   * A restart asked for (the dashboard's or an agent's action) and not yet done: kept across a newer save that takes
   * over the reload's run, so that save restarts workerd instead of swapping (else the restart is lost).
   */
  restartAsked?: boolean;
  worker?: HostedWorker;
  /** The wrangler name, read at attach (before the Worker is built), for the proxy's host aliases. */
  workerName?: string;
}

/** An error for a status cell: its first lines joined (esbuild puts the cause on the second), capped. */
export const oneLine = (message: string) => {
  const text = message.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ');
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
};

export function workerNameOf(spec: ServiceSpec): string | undefined {
  if (spec.kind !== 'worker') return undefined;
  try {
    return resolveEnvironment(readWranglerConfig(spec.worker.configPath).config, spec.worker.environment).name;
  } catch {
    return undefined; // its start reports the config error
  }
}

/** The name the hub's own log lines carry (refused requests, dropped followers). */
export const HUB_LOG_NAME = 'nx-edge';

export const TRANSITIONS_TO_LOG: ServiceState[] = ['pending', 'blocked', 'starting', 'healthy', 'unhealthy', 'stopping', 'stopped', 'failed'];

/**
 * The per-workspace dev hub: hosts every Worker of the session in one workerd, supervises non-Worker
 * services, gates starts on upstream health, restarts with backoff, reloads on change, serves the
 * proxy + dashboard, and merges logs. Clients (Nx dev/service tasks) attach; when the last leaves,
 * everything stops in reverse graph order.
 */

/** Whether workerd would run exactly the same Worker (code, bindings, vars, port). */
export function sameWorker(a: HostedWorker, b: HostedWorker): boolean {
  return a.workerName === b.workerName && JSON.stringify(a.options) === JSON.stringify(b.options);
}
