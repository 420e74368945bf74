import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '../utils/user-error';
import { followLogFile, readLogFile } from './log-reader';
import { parseLogsArgs } from '../cli/commands/logs';
import type { LogRecord } from './log-record';

const dirs: string[] = [];
const stops: Array<() => void> = [];
afterEach(() => {
  stops.splice(0).forEach((s) => s());
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const rec = (service: string, time: number, level: LogRecord['level'] = 'info'): LogRecord => ({ time, service, stream: 'stdout', level, message: `${service}-${time}` });

describe('nx-edge logs options', () => {
  it('parses service, level, trace, since, follow and json', () => {
    const o = parseLogsArgs(['--service', 'a,b', '--level=warn', '--trace', 'abc', '--since', '5m', '-f', '--json'], 1_000_000);
    expect(o).toEqual({ filter: { service: ['a', 'b'], level: 'warn', trace: 'abc', since: 700_000 }, follow: true, json: true });
  });

  it('refuses a bad level, duration or option with a UserError', () => {
    for (const args of [['--level', 'loud'], ['--since', 'yesterday-ish'], ['--nope'], ['--service']]) {
      const error = (() => { try { parseLogsArgs(args); } catch (e) { return e; } })();
      expect(isUserError(error)).toBe(true);
    }
  });
});

describe('reading the JSONL', () => {
  it('filters records and skips a torn last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-edge-logs-'));
    dirs.push(dir);
    const path = join(dir, 'dev.jsonl');
    writeFileSync(path, [rec('a', 1), rec('b', 2, 'error'), rec('a', 3, 'warn')].map((r) => JSON.stringify(r)).join('\n') + '\n{"time":4,"serv');
    expect(readLogFile(path, { service: 'a' }).map((r) => r.time)).toEqual([1, 3]);
    expect(readLogFile(path, { level: 'warn' }).map((r) => r.time)).toEqual([2, 3]);
    expect(readLogFile(join(dir, 'missing.jsonl'), {})).toEqual([]);
  });

  it('follows appended records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-edge-logs-'));
    dirs.push(dir);
    const path = join(dir, 'dev.jsonl');
    writeFileSync(path, JSON.stringify(rec('a', 1)) + '\n');
    const seen = await new Promise<number[]>((resolve) => {
      const got: number[] = [];
      stops.push(followLogFile(path, { service: 'a' }, (r) => { got.push(r.time); if (r.time === 3) resolve(got); }));
      appendFileSync(path, JSON.stringify(rec('b', 2)) + '\n' + JSON.stringify(rec('a', 3)).slice(0, 10));
      appendFileSync(path, JSON.stringify(rec('a', 3)).slice(10) + '\n');
    });
    expect(seen).toEqual([3]);
  });
});
