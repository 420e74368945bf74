// What the dev hub's collaborators (ServiceEvents, StartGate, ServiceStarter, WorkerReloads, ServiceStopper)
// share, as narrow interfaces: each names the parts it uses (`Pick<HubParts, …>`) instead of importing
// DevHub, which constructs them — no collaborator sees the whole hub, and none imports another.
import type { LogRecord, LogStore } from '../../logs/log-store';
import type { TraceStore } from '../../traces/trace-store';
import type { DashboardSource } from '../../dashboard/dashboard-api';
import type { Clock } from '../../utils/clock';
import type { HubClient, HubEvent, ServiceState, ServiceStatus } from '../protocol';
import type { Entry } from './entry';
import type { createRestartPolicy } from './restart-policy';
import type { WorkerHost } from './worker-host';
import type { startProxyFront } from '../../proxy/front-process';

export interface DevHubOptions {
  workspaceRoot: string;
  proxyPort: number;
  logs: LogStore;
  clock?: Clock;
  /** How long a service waits for its upstream services before failing. */
  gateTimeoutMs?: number;
  /** How often healthy services are probed again. */
  monitorIntervalMs?: number;
  /** The process groups of the services' commands changed (recorded so a crashed hub's leftovers can be stopped). */
  onProcessesChanged?(groups: { pgid: number; startedAt: number }[]): void;
  /** Embedded in the dashboard page; required on its actions. */
  dashboardToken?: string;
  /** How long the hub lingers after its last client leaves (a quick re-attach keeps it). */
  idleExitMs?: number;
  /** The session's traces (default: a store of the newest 10,000). */
  traces?: TraceStore;
  /** Past sessions, for the dashboard to open read-only. */
  sessions?: DashboardSource['sessions'];
  /**
   * The proxy's hot path in a process of its own (proxy/front-process.ts) owning the public port, the hub's proxy
   * behind it on an internal port (a function: how to start it, for tests to watch what the hub tells it).
   * Default: the hub's proxy on the public port, in-process.
   */
  proxyFront?: boolean | typeof startProxyFront;
  /** Where the front writes the spans of the requests it relays (the session archive's file), its bound, and what it reports at the bound. */
  frontArchive?: { file: string; maxBytes: number; cut(): void };
  onIdle(): void;
}

/** Status changes, log lines and events to clients (ServiceEvents). */
export interface HubEvents {
  send(entry: Entry, event: HubEvent): void;
  setState(entry: Entry, to: ServiceState, patch?: Partial<ServiceStatus>): void;
  log(service: string, stream: 'stdout' | 'stderr' | 'system', line: string, level?: LogRecord['level'], fields?: LogRecord['fields']): void;
}

/** Starts what waits once its upstream is healthy (StartGate). */
export interface HubGate {
  evaluateGates(): void;
}

/** Starting, health-waiting and process bookkeeping (ServiceStarter). */
export interface HubStarter {
  startService(entry: Entry): Promise<void>;
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  noteRemoteOnly(entry: Entry): void;
  refreshWorkerAddresses(urls: Map<string, string>): void;
  waitHealthy(entry: Entry, run: number): Promise<void>;
  onWorkerdExit(pid: number): void;
  reportProcesses(): void;
}

/** Reloads on change (WorkerReloads). */
export interface HubReloads {
  ensureWatcher(entry: Entry): void;
  watchSoon(entry: Entry): void;
}

/** The hub's shared state and collaborators, as the collaborators see them. */
export interface HubParts {
  readonly opts: DevHubOptions;
  readonly entries: Map<string, Entry>;
  readonly traces: TraceStore;
  readonly clock: Clock;
  readonly host: WorkerHost;
  readonly workerPolicy: ReturnType<typeof createRestartPolicy>;
  shuttingDown: Promise<void> | undefined;
  readonly leaving: Map<HubClient, { services: Set<string>; since: number }>;
  readonly lastLoadError: Map<string, string>;
  readonly events: HubEvents;
  readonly gate: HubGate;
  readonly starter: HubStarter;
  readonly reloads: HubReloads;
  proxyUrl(service: string): string;
  /** Where a service is reachable may have changed (state, address, workerd reconfigured): tells the proxy's front. */
  routesChanged(): void;
}
