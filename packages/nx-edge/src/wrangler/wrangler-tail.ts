import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveWranglerBin } from './wrangler-cli';

/**
 * The preload that makes `wrangler tail` announce its session (the `nx-edge-tail-url` line) so a tail that
 * ends early can be closed through the API; see wrangler-tail-preload.mjs.
 */
export const WRANGLER_TAIL_PRELOAD = pathToFileURL(join(__dirname, 'wrangler-tail-preload.mjs')).href;

/**
 * Starts `wrangler tail <args>` of the workspace's wrangler with the preload. The child stays in our process
 * group: a terminal's Ctrl-C reaches each wrangler as well as us.
 */
export function spawnWranglerTail(
  workspaceRoot: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; wranglerBin?: string; preload?: boolean } = {},
): ChildProcess {
  const bin = options.wranglerBin ?? resolveWranglerBin(workspaceRoot);
  const preload = options.preload === false ? [] : ['--import', WRANGLER_TAIL_PRELOAD];
  return spawn(process.execPath, [...preload, bin, ...args], { cwd: workspaceRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A spawner of `wrangler tail` for this workspace, its wrangler resolved now (a UserError when missing). */
export function wranglerTailSpawner(workspaceRoot: string): (args: string[]) => ChildProcess {
  const wranglerBin = resolveWranglerBin(workspaceRoot);
  return (args) => spawnWranglerTail(workspaceRoot, args, { wranglerBin });
}
