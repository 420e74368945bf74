import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** A workspace package as the Worker build needs to know it: its name, folder, and whether its entry is built output. */
export interface WorkspacePackage {
  name: string;
  root: string;
  /** Its entry points (main, module, exports) lead into built output (dist/, build/, lib/ or .js beside a build script): it must be built before a bundle can import it. */
  needsBuild: boolean;
}

const BUILT_ENTRY = /(^|\/)(dist|build|lib|out)\//;
const NOT_PACKAGE_FOLDERS = new Set(['node_modules', 'src', 'dist', 'build', 'out', 'coverage', 'test', 'tests', '__tests__', 'tmp']);

/** Every package.json folder inside the workspace globs (node_modules and dot folders skipped), read once. */
export function workspacePackages(workspaceRoot: string, globs: string[] = workspaceGlobs(workspaceRoot)): WorkspacePackage[] {
  const packages: WorkspacePackage[] = [];
  const walk = (relativeDir: string, depth: number) => {
    if (depth > 6) return;
    const dir = join(workspaceRoot, relativeDir);
    const pkgFile = join(dir, 'package.json');
    if (relativeDir && inWorkspaceGlobs(relativeDir, globs) && existsSync(pkgFile)) {
      try {
        const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name?: string; main?: string; module?: string; exports?: unknown; scripts?: Record<string, string> };
        if (pkg.name) {
          const entries = [pkg.main, pkg.module, ...collectStrings(pkg.exports)].filter((e): e is string => typeof e === 'string').map((e) => e.replace(/^\.\//, ''));
          packages.push({ name: pkg.name, root: relativeDir, needsBuild: !!pkg.scripts?.build && entries.some((e) => BUILT_ENTRY.test(e)) });
        }
      } catch {
        // an unreadable package.json is Nx's to report
      }
    }
    let names: string[] = [];
    try {
      // This runs on every Nx command (createNodes): never descend into sources or build output.
      names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !NOT_PACKAGE_FOLDERS.has(d.name) && !d.name.startsWith('.')).map((d) => d.name);
    } catch {
      return;
    }
    for (const name of names) walk(relativeDir ? `${relativeDir}/${name}` : name, depth + 1);
  };
  if (globs.length) walk('', 0);
  return packages;
}

function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(collectStrings);
  return [];
}
