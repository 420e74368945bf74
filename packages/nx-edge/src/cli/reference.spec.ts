import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The built CLI's definitions, as users get them (npm test builds the packages before the specs).
const DIST = join(__dirname, '..', '..', 'dist', 'src', 'cli');
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'cli.md');

describe('docs/cli.md', () => {
  it('is what the commands\' own definitions render (npm run docs:cli writes it)', async () => {
    const { cliReference } = (await import(join(DIST, 'reference.js'))) as { cliReference: () => string };
    expect(readFileSync(DOC, 'utf8')).toBe(cliReference());
  });

  it('lists every option each command\'s --help prints', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const { commandNames } = (await import(join(DIST, 'nx-edge.js'))) as { commandNames: () => string[] };
    for (const name of commandNames()) {
      const help = spawnSync(process.execPath, [join(DIST, 'nx-edge.js'), name, '--help'], { encoding: 'utf8' }).stdout;
      const section = doc.split('\n## ').find((s) => s.startsWith(`nx-edge ${name}\n`)) ?? '';
      const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]).filter((f) => f !== '--help');
      for (const flag of flags) expect(section, `${name} ${flag}`).toContain(flag);
    }
  });
});
