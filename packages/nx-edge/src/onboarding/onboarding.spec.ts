import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHistoryArgs } from '../cli/commands/history';
import { compareVersions } from '../wrangler/wrangler-package';
import { checkNode, checkWrangler, createDevVars, findWorkerDirs, localStatePaths, removePaths } from './onboarding';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nx-edge-onboarding-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('setup checks', () => {
  it('accepts Node >= 20.3 and says what to do with an older one', () => {
    expect(compareVersions('v20.20.2', '20.3.0')).toBeGreaterThan(0);
    expect(checkNode('v20.20.2').status).toBe('ok');
    const old = checkNode('v18.19.0');
    expect(old.status).toBe('fail');
    expect(old.message).toContain('Node.js v18.19.0 is too old: wrangler needs >= 20.3.0');
  });

  it('fails without wrangler or with one out of the supported range, naming the install command', () => {
    expect(checkWrangler(undefined)).toEqual({ status: 'fail', message: expect.stringMatching(/^wrangler is not installed in this workspace\. Run: npm install -D wrangler@\d/) });
    expect(checkWrangler('3.0.0')).toEqual({ status: 'fail', message: expect.stringMatching(/^wrangler 3\.0\.0 is outside the range nx-edge supports \(>=4\.86\.0 <5\)\. Run: npm install -D wrangler@/) });
    expect(checkWrangler('4.164.0')).toEqual({ status: 'ok', message: 'wrangler 4.164.0' });
  });
});

describe('.dev.vars from .dev.vars.example', () => {
  it('finds the Workers (not in node_modules or dist), creates missing .dev.vars owner-only, never overwrites', () => {
    write('apps/a/wrangler.jsonc', '{ "name": "a" }');
    write('apps/a/.dev.vars.example', '# a\nAPI_KEY=\nDB_URL=postgres://localhost\n');
    write('apps/b/wrangler.toml', 'name = "b"\n');
    write('apps/b/.dev.vars.example', 'TOKEN=\n');
    write('apps/b/.dev.vars', 'TOKEN=mine\n');
    write('node_modules/x/wrangler.json', '{}');
    write('dist/apps/a/wrangler.json', '{}');
    const workers = findWorkerDirs(root);
    expect(workers).toEqual(['apps/a', 'apps/b']);

    const steps = createDevVars(root, workers);
    expect(steps).toEqual([
      { status: 'done', message: 'created apps/a/.dev.vars from .dev.vars.example — fill in API_KEY, DB_URL' },
      { status: 'ok', message: 'apps/b/.dev.vars exists (left as is)' },
    ]);
    expect(readFileSync(join(root, 'apps/a/.dev.vars'), 'utf8')).toContain('DB_URL=postgres://localhost');
    expect(statSync(join(root, 'apps/a/.dev.vars')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, 'apps/b/.dev.vars'), 'utf8')).toBe('TOKEN=mine\n');
  });
});

describe('reset', () => {
  it('removes each Worker\'s .wrangler/state and .nx-edge/, nothing else', () => {
    write('apps/a/wrangler.jsonc', '{ "name": "a" }');
    write('apps/a/.wrangler/state/v3/d1/db.sqlite', 'x');
    write('apps/a/.wrangler/tmp/keep', 'x');
    write('.nx-edge/deployments.jsonl', '{}\n');
    const paths = localStatePaths(root, findWorkerDirs(root));
    expect(paths).toEqual([join(root, 'apps/a/.wrangler/state'), join(root, '.nx-edge')]);
    removePaths(paths);
    expect(existsSync(join(root, 'apps/a/.wrangler/state'))).toBe(false);
    expect(existsSync(join(root, '.nx-edge'))).toBe(false);
    expect(existsSync(join(root, 'apps/a/.wrangler/tmp/keep'))).toBe(true);
    expect(existsSync(join(root, 'apps/a/wrangler.jsonc'))).toBe(true);
  });
});

describe('nx-edge history arguments', () => {
  it('reads filters and refuses unknown options with the usage', () => {
    expect(parseHistoryArgs(['--env', 'staging', '--service=api', '--limit', '5'])).toEqual({ json: false, env: 'staging', project: 'api', limit: 5 });
    expect(parseHistoryArgs(['--last-run', '--json'])).toEqual({ json: true, lastRun: true, limit: undefined });
    expect(() => parseHistoryArgs(['--limit', '0'])).toThrow('--limit must be a positive whole number');
    expect(() => parseHistoryArgs(['--verbose'])).toThrow(/unknown option "--verbose"\. Usage: nx-edge history/);
  });
});
