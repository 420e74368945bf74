import type { HealthProbe } from '../../dev/protocol';

export interface ServiceExecutorOptions {
  /** Shell command that runs the service in the foreground, e.g. `node server.js` or `vite --port 5173`. */
  command: string;
  /** Working directory, relative to the workspace root. Default: the project root. */
  cwd?: string;
  env?: Record<string, string>;
  /** The port it listens on (also passed as PORT). Without it: no probe, no proxy route. */
  port?: number;
  health?: HealthProbe;
  /** Paths (relative to the workspace) whose changes restart it. Default: its project root. */
  watch?: string[];
  proxyPort?: number;
}
