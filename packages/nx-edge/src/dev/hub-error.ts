import { join } from 'node:path';

/** Where a hub that failed to start explains why, for the client that spawned it. */
export function hubErrorFile(workspaceRoot: string): string {
  return join(workspaceRoot, '.nx-edge', 'dev', 'hub-error.txt');
}
