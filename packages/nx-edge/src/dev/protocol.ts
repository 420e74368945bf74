// What the two processes of a dev session say to each other — a dev task (dev/client) and the hub
// (dev/hub) — and the vocabulary the proxy, dashboard and `nx-edge status` show.
import type { LogRecord } from '../logs/log-store';

/**
 * `blocked`: waiting on an upstream that failed (or is not in the session); starts once it is healthy.
 * `stopping` → `stopped`: asked to stop (Ctrl-C, its task ended); never reported as `failed`.
 */
export type ServiceState = 'pending' | 'blocked' | 'starting' | 'healthy' | 'unhealthy' | 'stopping' | 'stopped' | 'failed';

/** One row of `nx-edge status` and of GET /__nx-edge/status. */
export interface ServiceStatus {
  service: string;
  kind: 'worker' | 'service';
  state: ServiceState;
  pid?: number;
  port?: number;
  url?: string;
  /** Last probe observation, e.g. `GET /health → 200` or `connect ECONNREFUSED 127.0.0.1:4000`. */
  health?: string;
  startedAt?: number;
  restarts: number;
  exitCode?: number;
  /** Bindings Cloudflare provides and workerd cannot ("AI (Workers AI)"): not bound locally. */
  remoteOnly?: string[];
  /** `<label>.localhost` names it answers to on the proxy; the first is the one printed. */
  hosts?: string[];
  /** How long its last reload took (save → new code serving), in ms. */
  lastReloadMs?: number;
}

/** How the hub decides a service is healthy. Workers default to an HTTP probe of `/`. */
export type HealthProbe =
  | { type: 'http'; path?: string; /** expected status; default: any status below 500 */ status?: number; intervalMs?: number; timeoutMs?: number; retries?: number }
  | { type: 'tcp'; intervalMs?: number; timeoutMs?: number; retries?: number };

export interface ProbeResult {
  ok: boolean;
  /** What was seen, for status tables and gate-timeout messages. */
  observation: string;
}

interface ServiceSpecBase {
  service: string;
  root: string;
  /** Projects this one depends on that are services too (from the project graph). */
  upstream: string[];
  /** Libs it imports (directly or through other libs): drawn in the dashboard's service graph. */
  libs?: string[];
  /** Fixed port; a free one is picked (and kept across restarts) when absent. */
  port?: number;
  health?: HealthProbe;
  /** Directories whose changes reload the service: its root plus the roots of libs it imports. */
  watch: string[];
}

/** A Worker of the session: hosted in the hub's workerd. */
export interface WorkerServiceSpec extends ServiceSpecBase {
  kind: 'worker';
  worker: { configPath: string; environment?: string };
}

/** Any other command (a database, a Node API, a front end): supervised as a child process. */
export interface CommandServiceSpec extends ServiceSpecBase {
  kind: 'service';
  command: { command: string; cwd: string; env: Record<string, string> };
}

/** What a dev/service client registers with the hub. Paths are absolute. */
export type ServiceSpec = WorkerServiceSpec | CommandServiceSpec;

// ---- between a dev task (client) and the hub ----------------------------------------------

/** POST /attach: the service this client runs, and the session's whole plan (for gating). */
export interface AttachRequest {
  spec: ServiceSpec;
  plan: ServiceSpec[];
  /**
   * The upstream Workers this client brings up with its own (closure mode: one Nx task for a Worker and
   * everything it calls). The hub starts, gates, restarts and logs them; they stop when no client holds them.
   */
  closure?: ServiceSpec[];
  /** Names this client in a later POST /leave. */
  clientId?: string;
}

/** What the hub streams to an attached client (one JSON line each). */
export type HubEvent =
  | { type: 'status'; status: ServiceStatus }
  | { type: 'log'; record: LogRecord }
  | { type: 'ready'; url: string; proxyUrl: string }
  | { type: 'fatal'; message: string }
  /** To a client that asked to leave: its services (and their dependents) are stopped. */
  | { type: 'stopped'; services: number; ms: number; /** the one client of a stop that prints the summary */ report: boolean };

export interface HubClient {
  send(event: HubEvent): void;
  /** Ends the client's stream (after a leave has been reported). */
  end?(): void;
}
