import type { Readable } from 'node:stream';
import { createLineSplitter } from '../logs/log-line';
import { levelRank } from '../logs/log-line';
import type { LogLevel, LogRecord } from '../logs/log-record';
import { mentionsRateLimit, rateLimitWaitLine, rateLimitWaits, sleep, type RateLimitOptions } from '../wrangler/rate-limit';
import { createTailEventReader, recordsFromTailEvent } from './tail-event';

/** A deployed Worker to tail, and the service name its lines are tagged with. */
export interface TailTarget {
  project: string;
  worker: string;
}

export interface TailFilters {
  /** wrangler's --status: ok, error, canceled. */
  status?: string[];
  method?: string[];
  /** Text in console lines (wrangler's --search, applied by the API). */
  search?: string;
  /** 0 < rate < 1 (wrangler's --sampling-rate). */
  sample?: number;
  /** A trace id: only lines of that request, in every Worker (applied here: the API has no such filter). */
  trace?: string;
  /** Only lines at this level or above (applied here). */
  level?: LogLevel;
}

/** The part of a child process a tail session uses (a real ChildProcess in the CLI, a fake in specs). */
export interface TailProcess {
  stdout: Readable | null;
  stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface TailEnd {
  target: TailTarget;
  code: number | null;
  /** Ended before stop() was asked for (wrangler failed, or the API closed the session). */
  early: boolean;
  /** wrangler's own words, when it printed any besides events. */
  output: string[];
}

export interface TailSessionsOptions {
  filters: TailFilters;
  spawnTail: (args: string[], target: TailTarget) => TailProcess;
  onRecord: (record: LogRecord, target: TailTarget) => void;
  /** A session that ended on its own, while others may go on. */
  onEarlyEnd?: (end: TailEnd) => void;
  /** How long stop() waits for wrangler to close its session before killing it. */
  stopTimeoutMs?: number;
  /** A session the API refused with 429 is opened again after each wait (default: rateLimitWaits()). */
  rateLimit?: RateLimitOptions;
}

export interface TailSessions {
  /**
   * Asks every wrangler to close its session (SIGINT) and resolves with how each ended. With
   * `graceMs`, first waits that long for them to end by themselves: a terminal's Ctrl-C reaches every
   * wrangler directly, and a second SIGINT that lands after wrangler (4.106+) has removed its own
   * handler kills it before it can exit cleanly.
   */
  stop(graceMs?: number): Promise<TailEnd[]>;
  /** Resolves when every session has ended, on its own or by stop(). */
  ended: Promise<TailEnd[]>;
}

/** The `wrangler tail` argv for one Worker: JSON output, the filters the API applies. */
export function wranglerTailArgs(worker: string, filters: TailFilters): string[] {
  const args = ['tail', worker, '--format', 'json'];
  for (const status of filters.status ?? []) args.push('--status', status);
  for (const method of filters.method ?? []) args.push('--method', method);
  if (filters.search) args.push('--search', filters.search);
  if (filters.sample !== undefined) args.push('--sampling-rate', String(filters.sample));
  return args;
}

/** One `wrangler tail` per target, their events turned into records and merged as they arrive. */
export function startTailSessions(targets: TailTarget[], options: TailSessionsOptions): TailSessions {
  let stopping = false;
  const trace = options.filters.trace?.toLowerCase();
  const minimum = options.filters.level ? levelRank(options.filters.level) : undefined;
  const running = new Map<TailTarget, TailProcess>();
  const waits = options.rateLimit?.waits ?? rateLimitWaits();
  const report = options.rateLimit?.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  let onStop = () => {};
  const stopped = new Promise<void>((resolve) => (onStop = resolve));
  const ends = targets.map(
    (target) =>
      new Promise<TailEnd>((resolve) => {
        const start = (attempt: number) => {
          const output: string[] = [];
          const child = options.spawnTail(wranglerTailArgs(target.worker, options.filters), target);
          running.set(target, child);
          const read = createTailEventReader(
            (event) => {
              for (const record of recordsFromTailEvent(event, target.project)) {
                if (trace && record.trace_id !== trace) continue;
                if (minimum !== undefined && levelRank(record.level) < minimum) continue;
                options.onRecord(record, target);
              }
            },
            (line) => output.push(line),
          );
          for (const stream of [child.stdout, child.stderr]) {
            if (!stream) continue;
            const lines = createLineSplitter(read);
            stream.on('data', (chunk: Buffer) => lines.write(chunk));
            stream.on('end', () => lines.end());
          }
          child.once('close', (code) => {
            void (async () => {
              running.delete(target);
              // The API refused to open the session (its request budget is spent): wait, then open it again.
              if (!stopping && code !== 0 && attempt < waits.length && mentionsRateLimit(output.join('\n'))) {
                report(rateLimitWaitLine(`wrangler tail ${target.worker}`, waits[attempt], attempt + 1, waits.length));
                await Promise.race([(options.rateLimit?.wait ?? sleep)(waits[attempt]), stopped]);
                if (!stopping) return start(attempt + 1);
              }
              const end: TailEnd = { target, code, early: !stopping, output };
              if (end.early) options.onEarlyEnd?.(end);
              resolve(end);
            })();
          });
        };
        start(0);
      }),
  );
  const ended = Promise.all(ends);
  return {
    ended,
    async stop(graceMs = 0) {
      stopping = true;
      onStop();
      if (graceMs > 0 && running.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
      }
      for (const child of running.values()) child.kill('SIGINT');
      const timer = setTimeout(() => {
        for (const child of running.values()) child.kill('SIGKILL');
      }, options.stopTimeoutMs ?? 8000);
      const result = await ended;
      clearTimeout(timer);
      return result;
    },
  };
}
