import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package manager's workspace globs (package.json `workspaces`, pnpm-workspace.yaml `packages`):
 * Nx's own package.json plugin makes projects only of folders inside them, named by package.json.
 */
export function workspaceGlobs(workspaceRoot: string): string[] {
  return workspaceGlobsFrom((file) => (existsSync(join(workspaceRoot, file)) ? readFileSync(join(workspaceRoot, file), 'utf8') : undefined));
}

/** The same, from any reader of workspace files (a generator's Tree). */
export function workspaceGlobsFrom(read: (file: string) => string | undefined): string[] {
  const globs: string[] = [];
  try {
    const pkg = JSON.parse(read('package.json') ?? '{}') as { workspaces?: string[] | { packages?: string[] } };
    const ws = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
    globs.push(...ws.filter((g): g is string => typeof g === 'string'));
  } catch {
    // no or unreadable package.json: no npm/yarn workspaces
  }
  const pnpm = read('pnpm-workspace.yaml');
  if (pnpm !== undefined) globs.push(...pnpmPackages(pnpm));
  return globs;
}

/** The `packages:` list of a pnpm-workspace.yaml (a plain YAML list of quoted or bare globs). */
export function pnpmPackages(yaml: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const raw of yaml.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      const inline = /\[(.*)\]/.exec(line);
      if (inline) {
        out.push(...inline[1].split(',').map((s) => s.trim().replace(/^['"]|['"]$/g, '')).filter(Boolean));
        inPackages = false;
      }
      continue;
    }
    if (inPackages) {
      const item = /^\s*-\s*(.+?)\s*$/.exec(line);
      if (item) out.push(item[1].replace(/^['"]|['"]$/g, ''));
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  return out;
}

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/\/+$/, '')
      .replace(/^\.\//, '')
      .split('/')
      .map((part) => (part === '**' ? '(?:.*)' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/')
      .replace(/\/\(\?:\.\*\)/g, '(?:/.*)?')}$`,
  );

/** Whether a project root (workspace-relative) is one of the package manager's workspace folders. */
export function inWorkspaceGlobs(root: string, globs: string[]): boolean {
  let included = false;
  for (const glob of globs) {
    if (glob.startsWith('!')) {
      if (globToRegExp(glob.slice(1)).test(root)) included = false;
    } else if (globToRegExp(glob).test(root)) included = true;
  }
  return included;
}
