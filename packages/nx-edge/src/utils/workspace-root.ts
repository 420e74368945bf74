import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The nearest folder upwards with nx.json (the Nx workspace), else `from`. */
export function findWorkspaceRoot(from: string): string {
  for (let dir = resolve(from); dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  return resolve(from);
}
