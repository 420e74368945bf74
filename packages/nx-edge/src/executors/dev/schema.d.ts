import type { HealthProbe } from '../../dev/protocol';

export interface DevExecutorOptions {
  /** wrangler [env.<name>] to run; default: the top-level config. */
  env?: string;
  /** Fixed port for the Worker's own address; default: a free port, kept across reloads. */
  port?: number;
  /** The dev proxy's port (the first dev task of a session decides); default 7080 or NX_EDGE_PROXY_PORT. */
  proxyPort?: number;
  health?: HealthProbe;
  /** More paths (relative to the workspace) whose changes reload the Worker. */
  watch?: string[];
}
