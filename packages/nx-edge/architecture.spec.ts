// The import graph's rules, measured from the sources (see docs/architecture.md): no import cycle in either
// package (type-only imports count: a cycle of types is still two rooms that cannot change apart), and
// wrangler runs only from the wrangler/ room.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

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

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

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
