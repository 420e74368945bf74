import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchForChanges, ignoredByDefault } from './debounced-watcher';
import { createFakeClock } from '../../../../../test-support/fake-clock';

function fakeWatcher() {
  let listener: (event: string, path: string) => void = () => {};
  const options: Record<string, unknown>[] = [];
  return {
    options,
    emit: (event: string, path: string) => listener(event, path),
    watch: (_paths: string[], opts: Record<string, unknown>) => {
      options.push(opts);
      const watcher = {
        on: (event: 'all' | 'ready', cb: typeof listener | (() => void)) => {
          if (event === 'all') listener = cb;
          return watcher;
        },
        close: async () => undefined,
      };
      return watcher;
    },
  };
}

describe('watcher', () => {
  it('reports a save at once, then the rest of a burst once, 500 ms after its last change', () => {
    const clock = createFakeClock();
    const fake = fakeWatcher();
    const batches: string[][] = [];
    watchForChanges({ paths: ['/ws/apps/api'], clock, watch: fake.watch, onChange: (c) => batches.push(c) });
    fake.emit('change', '/ws/apps/api/src/a.ts');
    fake.emit('add', '/ws/apps/api/src/a.ts'); // the same save (write + rename)
    clock.advance(25);
    expect(batches).toEqual([['/ws/apps/api/src/a.ts']]);
    clock.advance(75);
    fake.emit('change', '/ws/apps/api/src/b.ts');
    clock.advance(200);
    fake.emit('change', '/ws/apps/api/src/c.ts');
    fake.emit('change', '/ws/apps/api/src/b.ts');
    clock.advance(499);
    expect(batches).toHaveLength(1);
    clock.advance(1);
    expect(batches[1]).toEqual(['/ws/apps/api/src/b.ts', '/ws/apps/api/src/c.ts']);
    fake.emit('addDir', '/ws/apps/api/src/new');
    clock.advance(1000);
    expect(batches).toHaveLength(2);
    fake.emit('unlink', '/ws/apps/api/src/c.ts'); // quiet again: at once
    clock.advance(25);
    expect(batches[2]).toEqual(['/ws/apps/api/src/c.ts']);
  });

  it('ignores build output, local state and specs inside the watched folder, not above it', () => {
    expect(ignoredByDefault('dist/index.js')).toBe(true);
    expect(ignoredByDefault('.wrangler/state/v3/kv/x')).toBe(true);
    expect(ignoredByDefault('src/index.spec.ts')).toBe(true);
    expect(ignoredByDefault('src/index.ts')).toBe(false);
    // What editors write beside the file being saved.
    for (const temp of ['src/sedm98Bnu', 'src/.index.ts.swp', 'src/4913', 'src/index.ts~', 'src/.#index.ts', 'src/#index.ts#', 'src/index.ts___jb_tmp___', 'src/index.ts.tmp.1234.5678']) {
      expect(ignoredByDefault(temp), temp).toBe(true);
    }
    for (const real of ['src/sed.ts', 'src/seduce', 'src/template.ts', 'migrations/0001_init.sql', 'public/logo.svg']) expect(ignoredByDefault(real), real).toBe(false);
    const fake = fakeWatcher();
    watchForChanges({ paths: ['/home/me/dist/ws/apps/api'], watch: fake.watch, onChange: () => undefined });
    const ignored = fake.options[0].ignored as (p: string) => boolean;
    expect(ignored('/home/me/dist/ws/apps/api/src/index.ts')).toBe(false);
    expect(ignored('/home/me/dist/ws/apps/api/node_modules/x/index.js')).toBe(true);
  });

  describe('on a real folder', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    it('sees an edit', async () => {
      dir = mkdtempSync(join(tmpdir(), 'nx-edge-watch-'));
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'index.ts'), 'v1');
      let resolveChange!: (c: string[]) => void;
      const changed = new Promise<string[]>((r) => (resolveChange = r));
      const watcher = watchForChanges({ paths: [dir], debounceMs: 50, onChange: resolveChange });
      await new Promise((r) => setTimeout(r, 300)); // chokidar's initial scan
      writeFileSync(join(dir, 'src', 'index.ts'), 'v2');
      expect(await changed).toEqual([join(dir, 'src', 'index.ts')]);
      await watcher.close();
    });
  });
});
