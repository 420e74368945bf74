import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLineSplitter, parseLogLine } from './log-line';
import { createLogStore, type LogRecord } from './log-store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nx-edge-logs-'));
  dirs.push(d);
  return d;
}
const rec = (service: string, time: number, level: LogRecord['level'] = 'info', trace_id?: string): LogRecord => ({ time, service, stream: 'stdout', level, message: `${service}@${time}`, ...(trace_id ? { trace_id } : {}) });

describe('LogStore', () => {
  it('queries by service, minimum level, trace id and time range, oldest first', () => {
    const store = createLogStore({});
    store.append(rec('a', 1, 'debug'));
    store.append(rec('b', 2, 'warn', 'abc'));
    store.append(rec('a', 3, 'error', 'abc'));
    store.append(rec('b', 4, 'info'));
    expect(store.query({}).map((r) => r.time)).toEqual([1, 2, 3, 4]);
    expect(store.query({ service: 'a' }).map((r) => r.time)).toEqual([1, 3]);
    expect(store.query({ level: 'warn' }).map((r) => r.time)).toEqual([2, 3]);
    expect(store.query({ trace: 'ABC' }).map((r) => r.time)).toEqual([2, 3]);
    expect(store.query({ since: 2, until: 3 }).map((r) => r.time)).toEqual([2, 3]);
    expect(store.query({ limit: 1 }).map((r) => r.time)).toEqual([4]);
  });

  it('keeps only the newest N lines per service', () => {
    const store = createLogStore({ maxPerService: 3 });
    for (let i = 1; i <= 5; i++) store.append(rec('a', i));
    store.append(rec('b', 9));
    expect(store.query({ service: 'a' }).map((r) => r.time)).toEqual([3, 4, 5]);
    expect(store.query({ service: 'b' })).toHaveLength(1);
  });

  it('keeps at most N lines for the whole session, dropping the oldest of any service', () => {
    const store = createLogStore({ maxPerService: 10, maxTotal: 4 });
    store.append(rec('a', 1));
    store.append(rec('b', 2));
    store.append(rec('a', 3));
    store.append(rec('b', 4));
    store.append(rec('c', 5));
    store.append(rec('c', 6));
    expect(store.query({}).map((r) => `${r.service}${r.time}`)).toEqual(['a3', 'b4', 'c5', 'c6']);
    for (let i = 7; i < 30; i++) store.append(rec('a', i));
    expect(store.query({}).map((r) => r.time)).toEqual([26, 27, 28, 29]);
    expect(store.services()).toEqual(['a', 'b', 'c']);
  });

  it('tells subscribers about matching records until they unsubscribe', () => {
    const store = createLogStore({});
    const seen: number[] = [];
    const stop = store.subscribe({ service: 'a', level: 'warn' }, (r) => seen.push(r.time));
    store.append(rec('a', 1, 'warn'));
    store.append(rec('a', 2, 'info'));
    store.append(rec('b', 3, 'error'));
    stop();
    store.append(rec('a', 4, 'error'));
    expect(seen).toEqual([1]);
  });

  it('appends every record to the JSONL file', () => {
    const path = join(tempDir(), '.nx-edge', 'logs', 'dev.jsonl');
    const store = createLogStore({ jsonlPath: path });
    store.append(rec('a', 1));
    store.append(rec('b', 2, 'warn', 'abc'));
    store.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([rec('a', 1), rec('b', 2, 'warn', 'abc')]);
  });

  it('rotates the JSONL file past its size cap, keeping one old file', () => {
    const path = join(tempDir(), 'dev.jsonl');
    const store = createLogStore({ jsonlPath: path, maxJsonlBytes: 200 });
    for (let i = 0; i < 10; i++) {
      store.append(rec('a', i));
      store.flush();
    }
    store.close();
    const old = readFileSync(join(path.replace(/dev\.jsonl$/, 'dev.1.jsonl')), 'utf8');
    expect(old.length).toBeGreaterThan(0);
    expect(readFileSync(path, 'utf8').length).toBeLessThan(400);
  });

  it('under load (20k lines/s from 5 services, chunked at random) loses nothing and never mixes lines', async () => {
    const path = join(tempDir(), 'dev.jsonl');
    const store = createLogStore({ jsonlPath: path, maxPerService: 100_000, maxTotal: 1_000_000 });
    const services = ['gateway', 'users', 'orders', 'db', 'web'];
    const splitters = services.map((s) => createLineSplitter((line) => store.append(parseLogLine(s, 'stdout', line, Date.now()))));
    const perService = 6000; // 30k lines: 1.5 s at 20k lines/s
    const payload = (s: string, i: number) => (i % 2 ? JSON.stringify({ level: 'info', service: s, message: `${s} line ${i}`, seq: i, pad: 'x'.repeat(i % 97) }) : `${s} line ${i} ${'y'.repeat(i % 89)}`);
    const rest = services.map(() => '');
    const next = services.map(() => 0);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    // 15 ticks of 2000 lines each (~100 ms of a 20k lines/s stream per tick); chunks cut mid-line.
    for (let tick = 0; tick < 15; tick++) {
      for (let k = 0; k < 2000; k++) {
        const s = Math.floor(random() * services.length);
        if (next[s] >= perService) continue;
        rest[s] += payload(services[s], next[s]++) + '\n';
        const cut = Math.floor(random() * rest[s].length);
        splitters[s].write(rest[s].slice(0, cut));
        rest[s] = rest[s].slice(cut);
      }
      await new Promise((r) => setImmediate(r));
    }
    services.forEach((s, i) => {
      while (next[i] < perService) rest[i] += payload(s, next[i]++) + '\n';
      splitters[i].write(rest[i]);
      splitters[i].end();
    });
    store.close();

    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(perService * services.length);
    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    for (const s of services) {
      const mine = records.filter((r) => r.service === s);
      expect(mine.map((r) => r.message.match(/ line (\d+)/)?.[1]).map(Number)).toEqual([...Array(perService).keys()]);
      mine.forEach((r, i) => expect(r.message.startsWith(`${s} line ${i}`)).toBe(true));
      expect(store.query({ service: s })).toHaveLength(perService);
    }
  }, 60_000);
});
