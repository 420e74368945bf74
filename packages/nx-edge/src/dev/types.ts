// Shared vocabulary of the dev orchestrator (hub, clients, controllers, proxy, dashboard).

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

/** Injected so timers in controllers are unit-testable. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What a dev/service client registers with the hub. Paths are absolute. */
export interface ServiceSpec {
  service: string;
  kind: 'worker' | 'service';
  root: string;
  /** Projects this one depends on that are services too (from the project graph). */
  upstream: string[];
  /** Fixed port; a free one is picked (and kept across restarts) when absent. */
  port?: number;
  health?: HealthProbe;
  /** Directories whose changes reload the service: its root plus the roots of libs it imports. */
  watch: string[];
  worker?: { configPath: string; environment?: string; persistTo: string };
  command?: { command: string; cwd: string; env: Record<string, string> };
}
