import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { unknownOption } from './options';

// The built CLI, as users run it (npm test builds the packages before the specs).
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'nx-edge.js');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: tmpdir(), encoding: 'utf8' });

const commands = readdirSync(join(__dirname, 'commands'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

describe('nx-edge', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(commands)('nx-edge %s --help prints its usage, runs nothing and exits 0', (name) => {
    // The cwd is no workspace: a command that ran anyway would fail.
    const result = cli([name, '--help']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Usage: nx-edge /);
    expect(result.stderr).toBe('');
  });

  it('--version prints the package version', () => {
    const result = cli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown option is named without its value; a key-like option is refused as such', () => {
    expect(unknownOption('--verbose')).toBe('unknown option "--verbose".');
    expect(unknownOption('--foo=s3cr3t-value')).toBe('unknown option "--foo=…".');
    expect(unknownOption('--key=s3cr3t-value')).toMatch(/^--key=… is refused: nx-edge never takes a key or secret as an option/);
    expect(unknownOption('--key=s3cr3t-value')).not.toContain('s3cr3t');
    expect(unknownOption('s3cr3t-value')).toBe('unexpected argument (not shown, in case it holds a value).');
  });
});
