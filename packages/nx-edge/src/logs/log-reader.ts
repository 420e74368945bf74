import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { LogFilter, LogRecord } from './log-record';
import { matchesFilter } from './log-store';
import { UserError } from '../utils/user-error';

export const DEV_LOG_RELATIVE_PATH = join('.nx-edge', 'logs', 'dev.jsonl');

export interface LogsCommandOptions {
  filter: LogFilter;
  follow: boolean;
  json: boolean;
}

/** `5m`, `30s`, `2h`, `1d`, or an ISO time → epoch ms. */
export function parseSince(value: string, now: number): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (m) return now - Number(m[1]) * { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 'ms'];
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new UserError(`--since "${value}" is not a duration (e.g. 30s, 5m, 2h) or an ISO time`);
  return t;
}

export function parseJsonlRecords(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // a line cut by a crash mid-write: skip it
    }
  }
  return records;
}

export function readLogFile(path: string, filter: LogFilter): LogRecord[] {
  if (!existsSync(path)) return [];
  const rotated = path.replace(/\.jsonl$/, '') + '.1.jsonl';
  const text = (existsSync(rotated) ? readFileSync(rotated, 'utf8') : '') + readFileSync(path, 'utf8');
  return parseJsonlRecords(text).filter((r) => matchesFilter(r, filter));
}

/** Tails the JSONL file from its current end; returns a stop function. */
export function followLogFile(path: string, filter: LogFilter, onRecord: (r: LogRecord) => void): () => void {
  let position = existsSync(path) ? statSync(path).size : 0;
  let partial = '';
  const readNew = () => {
    if (!existsSync(path)) return;
    const size = statSync(path).size;
    if (size < position) position = 0; // rotated
    if (size === position) return;
    const fd = openSync(path, 'r');
    const buffer = Buffer.alloc(size - position);
    readSync(fd, buffer, 0, buffer.length, position);
    closeSync(fd);
    position = size;
    const text = partial + buffer.toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    partial = text.slice(cut);
    for (const r of parseJsonlRecords(text.slice(0, cut))) if (matchesFilter(r, filter)) onRecord(r);
  };
  const timer = setInterval(readNew, 250);
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(path, readNew);
  } catch {
    // file not there yet: the interval picks it up
  }
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}
