import { isAbsolute, relative, sep } from 'node:path';
import { systemClock, type Clock } from '../../utils/clock';

type WatchFn = (
  paths: string[],
  options: Record<string, unknown>,
) => { on(event: 'all', cb: (event: string, path: string) => void): unknown; on(event: 'ready', cb: () => void): unknown; close(): Promise<void> };

export interface WatchForChangesOptions {
  paths: string[];
  ignored?: (path: string) => boolean;
  /** Quiet period before a batch of changes is reported. */
  debounceMs?: number;
  clock?: Clock;
  /** chokidar's watch, injected for tests. */
  watch?: WatchFn;
  /** `firstAt`: when the watcher saw the batch's first change (clock time), for the reload's parts. */
  onChange(changed: string[], firstAt: number): void;
}

const IGNORED_DIRS = ['node_modules', 'dist', '.wrangler', '.nx-edge', '.git', '.nx', 'coverage'];

/**
 * Files editors write beside the one being saved and remove again: `sed -i`'s sedXXXXXX, vim's .swp,
 * 4913 and backup~, emacs' .#lock and #autosave#, JetBrains' ___jb_tmp___, Kate's .kate-swp,
 * atomic-write temps (file.ts.tmp.123, .file.ts.tmp).
 */
export function isEditorTempFile(name: string): boolean {
  return (
    /^sed[A-Za-z0-9]{6}$/.test(name) ||
    /\.(swp|swx|swo|kate-swp)$/.test(name) ||
    name === '4913' ||
    name.endsWith('~') ||
    /^\.#/.test(name) ||
    /^#.*#$/.test(name) ||
    /___jb_(tmp|old|bak)___$/.test(name) ||
    /\.tmp(\.\d+)*$/.test(name) ||
    /\.tmp\.[A-Za-z0-9]+$/.test(name) ||
    name === '.DS_Store'
  );
}

/** `path` relative to the watched folder it is in: build output, state, tests and editor temp files do not reload. */
export function ignoredByDefault(path: string): boolean {
  const parts = path.split(sep);
  return (
    parts.some((p) => IGNORED_DIRS.includes(p)) ||
    isEditorTempFile(parts[parts.length - 1]) ||
    /\.(spec|test)\.[cm]?[jt]sx?$/.test(path) ||
    /(^|[\\/])\.dev\.vars\.example$/.test(path)
  );
}

/**
 * Debounced with a leading edge: the first change after 500 ms of quiet is reported at once (so a
 * save reloads without waiting), the rest of a burst once, 500 ms after its last change.
 */
export function watchForChanges(opts: WatchForChangesOptions): { close(): Promise<void>; /** chokidar has scanned: changes from now on are seen */ ready: Promise<void> } {
  const clock = opts.clock ?? systemClock;
  const debounceMs = opts.debounceMs ?? 500;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when no watcher is injected (tests inject one)
  const watch: WatchFn = opts.watch ?? (require('chokidar') as { watch: WatchFn }).watch;
  const withinRoot = (path: string) => {
    const root = opts.paths.find((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep));
    return root ? relative(root, path) : isAbsolute(path) ? path.slice(1) : path;
  };
  const ignored = opts.ignored ?? ((path: string) => ignoredByDefault(withinRoot(path)));
  const settleMs = Math.min(25, debounceMs);
  const pending = new Set<string>();
  let firstAt = 0;
  let lastEvent = -Infinity;
  let leading: unknown;
  let trailing: unknown;
  let closed = false;
  const fire = () => {
    const changed = [...pending].sort();
    pending.clear();
    if (!closed && changed.length) opts.onChange(changed, firstAt);
  };
  const watcher = watch(opts.paths, { ignoreInitial: true, ignored: (path: string) => ignored(path), awaitWriteFinish: false });
  const ready = new Promise<void>((resolve) => watcher.on('ready', () => resolve()));
  watcher.on('all', (event, path) => {
    if (closed || !['add', 'change', 'unlink'].includes(event)) return;
    const now = clock.now();
    if (pending.size === 0) firstAt = now;
    pending.add(path);
    const quiet = now - lastEvent >= debounceMs;
    lastEvent = now;
    if (leading) return; // an editor's write+rename of one save rides along
    if (quiet) {
      // First change after a quiet spell: reload right away (after a few ms for the save to finish).
      leading = clock.setTimeout(() => {
        leading = undefined;
        fire();
      }, settleMs);
      return;
    }
    // More changes in a burst: one more reload, debounceMs after the last of them.
    if (trailing) clock.clearTimeout(trailing);
    trailing = clock.setTimeout(() => {
      trailing = undefined;
      fire();
    }, debounceMs);
  });
  return {
    ready,
    async close() {
      closed = true;
      if (leading) clock.clearTimeout(leading);
      if (trailing) clock.clearTimeout(trailing);
      await watcher.close();
    },
  };
}
