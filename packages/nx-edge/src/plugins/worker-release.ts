import { basename, dirname } from 'node:path';

/**
 * Nx keeps an isolated plugin's worker process alive from the graph to the end of the run when the plugin
 * has a post-task hook (ours prints the run's bundle sizes and deploys). For a dev session — a run that
 * lasts hours — that is a Node process of ~70 MB doing nothing. Nx 24's host drops a worker that exits
 * between hooks and starts it again for the next hook (IsolatedPlugin.markUnusable → ensureAlive), so the
 * worker of a dev run leaves once the pre-task hook has answered, and Nx starts it again for the summary
 * when the run ends. Not on the daemon (its worker serves every command), not in Nx's own process (plugin
 * isolation off), not on an Nx whose host was not checked for this.
 */
export interface WorkerReleaseContext {
  /** Whether this run starts the dev target (see `runsTarget`). */
  runsDev: boolean;
  /** The environment (`NX_DAEMON_PROCESS` is set in the daemon and the workers it starts). */
  env: NodeJS.ProcessEnv;
  /** This process's main script: Nx's isolated plugin worker, or Nx itself. */
  mainFile: string | undefined;
  /** The version of the Nx running the worker. */
  nxVersion: string | undefined;
}

const PLUGIN_WORKER_SCRIPT = /^plugin-worker\.[cm]?[jt]s$/;

export function releasesWorker(ctx: WorkerReleaseContext): boolean {
  if (!ctx.runsDev || ctx.env.NX_DAEMON_PROCESS === 'true' || ctx.env.NX_EDGE_KEEP_PLUGIN_WORKER === 'true') return false;
  if (!ctx.mainFile || !PLUGIN_WORKER_SCRIPT.test(basename(ctx.mainFile)) || basename(dirname(ctx.mainFile)) !== 'isolation') return false;
  const major = Number(/^(\d+)\./.exec(ctx.nxVersion ?? '')?.[1]);
  return major === 24;
}

/** The version of the Nx package this worker runs from (its plugin-worker script sits in nx/dist/src/…). */
export function nxVersionNear(mainFile: string | undefined, workspaceRoot: string): string | undefined {
  for (const paths of [mainFile ? [dirname(mainFile)] : [], [workspaceRoot]]) {
    if (!paths.length) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- Nx's own package.json, found from where it runs
      return (require(require.resolve('nx/package.json', { paths })) as { version?: string }).version;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

let pendingRelease: ReturnType<typeof setTimeout> | undefined;

/** After the hook's answer has gone out: end this worker (Nx starts it again for the next hook). */
export function releaseWorkerSoon(exit: (code: number) => void = (code) => process.exit(code), delayMs = 1000): void {
  keepWorker();
  pendingRelease = setTimeout(() => exit(0), delayMs);
}

/** Another hook came first (a run that ended within the delay): this worker is in use, it stays. */
export function keepWorker(): void {
  if (pendingRelease) clearTimeout(pendingRelease);
  pendingRelease = undefined;
}
