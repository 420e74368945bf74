// The import graph's rules, measured from the sources (see docs/architecture.md): no import cycle in either
// package (type-only imports count: a cycle of types is still two rooms that cannot change apart), and
// wrangler runs only from the wrangler/ room.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { orderServices } from './src/dev/hub/graph-order';

const PACKAGES = join(__dirname, '..');

function sourceFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['files', 'fixtures', 'node_modules'].includes(entry.name)) walk(path);
      } else if (path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.d.ts')) found.push(path);
    }
  };
  walk(root);
  return found;
}

/** Each source file's relative imports (values and types), resolved to files. */
function importGraph(root: string): Map<string, string[]> {
  const files = new Set(sourceFiles(root));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name.replace(/\.js$/, '')))
      .map((path) => [`${path}.ts`, join(path, 'index.ts')].find((f) => files.has(f)))
      .filter((f): f is string => f !== undefined);
    graph.set(file, targets);
  }
  return graph;
}

/** Groups of files that import each other (the dev hub's own cycle finder, over the import graph). */
const cycles = (graph: Map<string, string[]>): string[][] => orderServices([...graph.keys()], (file) => graph.get(file) ?? []).cycles;

describe('architecture', () => {
  for (const pkg of ['nx-edge', 'edge-runtime']) {
    it(`${pkg}: the import graph has no cycle`, () => {
      const root = join(PACKAGES, pkg, 'src');
      const graph = importGraph(root);
      expect([...graph.values()].flat().length).toBeGreaterThan(0); // the graph was read at all
      expect(cycles(graph).map((c) => c.map((f) => relative(root, f)))).toEqual([]);
    });
  }

  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('nothing outside wrangler/ runs wrangler: no file that spawns processes gets hold of its executable', () => {
    const root = join(PACKAGES, 'nx-edge', 'src');
    const wranglerRoom = join(root, 'wrangler');
    const offenders = sourceFiles(root)
      .filter((file) => !file.startsWith(wranglerRoom))
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return /from 'node:child_process'|import\('node:child_process'\)/.test(text) && /\b(resolveWranglerBin|findWranglerPackage|requireWranglerPackage)\b|wrangler[/\\]bin|wrangler\.js\b/.test(text);
      })
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
