import { closeSync, existsSync, renameSync, statSync, writeSync } from 'node:fs';
import { openPrivateAppend } from '../utils/private-state';
import { levelRank } from './log-line';
import type { LogFilter, LogRecord } from './log-record';

export type { LogFilter, LogLevel, LogRecord } from './log-record';
export { parseLogLine, formatLogLine, createLineSplitter } from './log-line';

export interface LogStore {
  append(record: LogRecord): void;
  query(filter: LogFilter): LogRecord[];
  subscribe(filter: LogFilter, onRecord: (r: LogRecord) => void): () => void;
  /** writes buffered JSONL now */
  flush(): void;
  /** flushes and closes the JSONL file */
  close(): void;
  /** The JSONL file was deleted (e.g. `.nx-edge/` removed during dev): opens a new one. True when it did. */
  reopenIfMissing(): boolean;
  services(): string[];
}

export const DEFAULT_MAX_PER_SERVICE = 5000;
/** Lines kept in memory for the whole session (as .NET Aspire's dashboard keeps 10,000); the JSONL file keeps all. */
export const DEFAULT_MAX_TOTAL = 10_000;
/** The JSONL file rotates to `<name>.1.jsonl` (one old file kept) when it passes this size. */
export const DEFAULT_MAX_JSONL_BYTES = 50 * 1024 * 1024;
const FLUSH_BYTES = 64 * 1024;

export function matchesFilter(r: LogRecord, f: LogFilter): boolean {
  if (f.service !== undefined) {
    const wanted = Array.isArray(f.service) ? f.service : [f.service];
    if (wanted.length > 0 && !wanted.includes(r.service)) return false;
  }
  if (f.level && levelRank(r.level) < levelRank(f.level)) return false;
  if (f.trace && r.trace_id !== f.trace.toLowerCase()) return false;
  if (f.since !== undefined && r.time < f.since) return false;
  if (f.until !== undefined && r.time > f.until) return false;
  return true;
}

/** A fixed-size ring: the oldest record is dropped when full (or asked to), without shifting the array. */
class Ring {
  private readonly items: (LogRecord | undefined)[] = [];
  private head = 0;
  size = 0;
  constructor(private readonly capacity: number) {}
  /** Adds a record; true when that dropped the oldest. */
  push(r: LogRecord): boolean {
    if (this.size < this.capacity) {
      this.items[(this.head + this.size++) % this.capacity] = r;
      return false;
    }
    this.items[this.head] = r;
    this.head = (this.head + 1) % this.capacity;
    return true;
  }
  oldest(): LogRecord | undefined {
    return this.size ? this.items[this.head] : undefined;
  }
  dropOldest(): void {
    if (!this.size) return;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }
  toArray(): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) % this.capacity]!);
    return out;
  }
}

export function createLogStore(opts: { jsonlPath?: string; maxPerService?: number; maxTotal?: number; maxJsonlBytes?: number } = {}): LogStore {
  const maxPerService = opts.maxPerService ?? DEFAULT_MAX_PER_SERVICE;
  const maxTotal = opts.maxTotal ?? DEFAULT_MAX_TOTAL;
  let total = 0;
  const maxBytes = opts.maxJsonlBytes ?? DEFAULT_MAX_JSONL_BYTES;
  const rings = new Map<string, Ring>();
  const subscribers = new Set<{ filter: LogFilter; onRecord: (r: LogRecord) => void }>();
  let fd: number | undefined;
  let written = 0;
  let buffer: string[] = [];
  let bufferedBytes = 0;
  let flushScheduled = false;

  if (opts.jsonlPath) {
    fd = openPrivateAppend(opts.jsonlPath);
    written = existsSync(opts.jsonlPath) ? statSync(opts.jsonlPath).size : 0;
  }

  function rotateIfNeeded(): void {
    if (!opts.jsonlPath || fd === undefined || written < maxBytes) return;
    closeSync(fd);
    renameSync(opts.jsonlPath, opts.jsonlPath.replace(/\.jsonl$/, '') + '.1.jsonl');
    fd = openPrivateAppend(opts.jsonlPath);
    written = 0;
  }

  function flush(): void {
    flushScheduled = false;
    if (fd === undefined || buffer.length === 0) return;
    // One write per batch of whole lines: a reader never sees half a record (except at a crash).
    const text = buffer.join('');
    buffer = [];
    bufferedBytes = 0;
    const bytes = Buffer.from(text);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    written += bytes.length;
    rotateIfNeeded();
  }

  return {
    append(record) {
      let ring = rings.get(record.service);
      if (!ring) rings.set(record.service, (ring = new Ring(maxPerService)));
      if (!ring.push(record)) total++;
      // Over the session's cap: the oldest line of any service goes.
      while (total > maxTotal) {
        let oldest: Ring | undefined;
        for (const r of rings.values()) if (r.size && (!oldest || r.oldest()!.time < oldest.oldest()!.time)) oldest = r;
        if (!oldest) break;
        oldest.dropOldest();
        total--;
      }
      if (fd !== undefined) {
        const line = JSON.stringify(record) + '\n';
        buffer.push(line);
        bufferedBytes += line.length;
        if (bufferedBytes >= FLUSH_BYTES) flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      }
      for (const s of subscribers) if (matchesFilter(record, s.filter)) s.onRecord(record);
    },
    query(filter) {
      const services = filter.service === undefined ? [...rings.keys()] : Array.isArray(filter.service) ? filter.service : [filter.service];
      const out: LogRecord[] = [];
      for (const service of services) for (const r of rings.get(service)?.toArray() ?? []) if (matchesFilter(r, filter)) out.push(r);
      out.sort((a, b) => a.time - b.time);
      return filter.limit !== undefined && out.length > filter.limit ? out.slice(out.length - filter.limit) : out;
    },
    subscribe(filter, onRecord) {
      const entry = { filter, onRecord };
      subscribers.add(entry);
      return () => subscribers.delete(entry);
    },
    flush,
    reopenIfMissing() {
      if (!opts.jsonlPath || fd === undefined || existsSync(opts.jsonlPath)) return false;
      closeSync(fd);
      fd = openPrivateAppend(opts.jsonlPath);
      written = 0;
      return true;
    },
    close() {
      flush();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
    services: () => [...rings.keys()].sort(),
  };
}
