import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../utils/user-error';
import { installCommandFor } from '../utils/package-manager';
import { displayPath, requireWranglerPackage, wranglerInstallSpec } from './wrangler-package';

type MiniflareModule = typeof import('miniflare');

/** The Miniflare majors nx-edge runs Workers with: 4 (wrangler ≤ 4.116) and 5 (wrangler 4.117+). */
export const SUPPORTED_MINIFLARE_MAJORS = [4, 5];

/**
 * The Miniflare of the workspace's wrangler — the one `wrangler dev` runs, so local behaviour matches
 * it and the workspace holds one copy. nx-edge builds Miniflare 4's options; Miniflare 5 gets them
 * through its own converter (`convertV4MiniflareOptions`), so each Worker's options have one home.
 */
export function loadMiniflare(fromDir: string): MiniflareModule {
  const { dir, major } = resolveMiniflare(fromDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the workspace's Miniflare, found at run time beside its wrangler
  const module = require(dir) as MiniflareModule;
  return major === 4 ? module : withMiniflare4Options(module);
}

/** Where the workspace's wrangler has its Miniflare, checked to be a major nx-edge runs. */
export function resolveMiniflare(fromDir: string): { dir: string; version: string; major: number } {
  const wrangler = requireWranglerPackage(fromDir);
  let manifest: string;
  try {
    manifest = require.resolve('miniflare/package.json', { paths: [wrangler.dir] });
  } catch {
    throw new UserError(`wrangler ${wrangler.version} (${displayPath(fromDir, wrangler.dir)}) has no miniflare beside it; reinstall it: ${installCommandFor(fromDir, wranglerInstallSpec())}`);
  }
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const major = Number.parseInt(version, 10);
  if (!SUPPORTED_MINIFLARE_MAJORS.includes(major)) {
    throw new UserError(
      `miniflare ${version} is installed (${displayPath(fromDir, dirname(manifest))}, with wrangler ${wrangler.version}), but @aero/nx-edge runs Workers with Miniflare ${SUPPORTED_MINIFLARE_MAJORS.join(' or ')}. Install a supported wrangler: ${installCommandFor(fromDir, wranglerInstallSpec())}`,
    );
  }
  return { dir: dirname(manifest), version, major };
}

/** Miniflare 4's per-kind persistence options; Miniflare 5 keeps every kind under one root, in the same folders. */
const PERSIST_FOLDERS: Record<string, string> = { kvPersist: 'kv', d1Persist: 'd1', r2Persist: 'r2', durableObjectsPersist: 'do', cachePersist: 'cache' };

/** Miniflare 4 options as Miniflare 5 takes them. Exported for its spec. */
export function toMiniflare5Options(options: Record<string, unknown>, convert: (options: never) => unknown): unknown {
  const rest: Record<string, unknown> = {};
  const roots = new Set<string>();
  for (const [key, value] of Object.entries(options)) {
    const folder = PERSIST_FOLDERS[key];
    if (key === 'workers' && Array.isArray(value)) rest.workers = value.map(workerAsMiniflare5Takes);
    else if (folder === undefined) rest[key] = value;
    else if (typeof value === 'string') {
      if (join(dirname(value), folder) !== join(value)) throw new Error(`${key} must end in /${folder} to map onto Miniflare 5's resourcePersistencePath (got ${value})`);
      roots.add(dirname(value));
    }
  }
  if (roots.size > 1) throw new Error(`Miniflare 5 keeps all local state under one root; got ${[...roots].join(', ')}`);
  if (rest.handleRuntimeStdio) throw new Error('Miniflare 5 has no handleRuntimeStdio: use handleStructuredLogs');
  return convert({ ...rest, ...(roots.size ? { resourcePersistencePath: [...roots][0] } : {}) } as never);
}

/** A Worker's Miniflare 4 options that Miniflare 5's converter reads under another name (it drops names it does not know). */
function workerAsMiniflare5Takes(worker: unknown): unknown {
  if (!worker || typeof worker !== 'object' || !('cache' in worker)) return worker;
  const { cache, ...rest } = worker as Record<string, unknown>;
  return { ...rest, cacheAPI: cache };
}

function withMiniflare4Options(module: MiniflareModule): MiniflareModule {
  const { Miniflare, convertV4MiniflareOptions } = module as MiniflareModule & { convertV4MiniflareOptions: (options: never) => unknown };
  const convert = (options: unknown) => toMiniflare5Options(options as Record<string, unknown>, convertV4MiniflareOptions) as never;
  class MiniflareWithV4Options extends Miniflare {
    constructor(options: unknown) {
      super(convert(options));
    }
    override setOptions(options: unknown): Promise<void> {
      return super.setOptions(convert(options));
    }
  }
  return { ...module, Miniflare: MiniflareWithV4Options };
}
