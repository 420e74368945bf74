import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { createLineSplitter } from '../../logs/log-line';

export interface StartChildOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  spawn?: typeof nodeSpawn;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  onExit(code: number | null, signal: string | null): void;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * Runs a non-Worker service through the user's shell in its own process group, so stopping it
 * stops what it started too: SIGTERM to the group, SIGKILL after the grace period.
 */
export function startChild(opts: StartChildOptions): { pid: number | undefined; stop(graceMs?: number): Promise<void> } {
  const spawn = opts.spawn ?? nodeSpawn;
  const child = spawn(opts.command, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
    shell: true,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  let stopping = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve();
      if (stopping) return;
      killGroup(child, 'SIGKILL'); // what it left behind would hold its port
      opts.onExit(code, signal);
    });
    child.once('error', (error) => {
      opts.onLine('stderr', `could not start "${opts.command}": ${error.message}`);
      if (!exited) {
        exited = true;
        resolve();
        if (!stopping) opts.onExit(127, null);
      }
    });
  });
  for (const name of ['stdout', 'stderr'] as const) {
    const splitter = createLineSplitter((line) => opts.onLine(name, line));
    child[name]?.on('data', (chunk: Buffer) => splitter.write(chunk));
    child[name]?.on('end', () => splitter.end());
  }
  return {
    pid: child.pid,
    async stop(graceMs = 5000) {
      stopping = true;
      if (exited) {
        killGroup(child, 'SIGKILL'); // grandchildren that outlived the shell
        return;
      }
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
    },
  };
}
