import { join } from 'node:path';

/**
 * Where local KV/D1/R2/DO/cache state lives across dev sessions: wrangler's own `.wrangler/state/v3`
 * at the workspace root, shared by every Worker as the remote resources are (tests keep theirs in
 * memory instead).
 */
export function localStateRoot(workspaceRoot: string): string {
  return join(workspaceRoot, '.wrangler', 'state', 'v3');
}
