import { ARCHIVE_FLUSH_BYTES, ARCHIVE_FLUSH_EVERY_MS, openArchiveFile, type ArchiveFile } from '../dev/archive/archive-file';
import type { ProxySpanTuple } from './proxy-span';

/** What the front keeps for the hub while nobody follows the traces; past it the oldest batches go (the archive has them). */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

/** The front's spans as it hands them to the hub: each batch the JSON text of its tuples (the archive's line, as is). */
export type SpanBatchesMessage = { type: 'spans'; batches: string[]; id?: number };

export interface FrontSpans {
  add(batch: ProxySpanTuple[]): void;
  /** A live page follows the traces: each batch goes to the hub as it is made (after what was held). */
  follow(on: boolean): void;
  /** The hub is about to read its traces: everything held goes to it now, answering `id`. */
  drain(id: number): void;
  close(): void;
}

/**
 * The spans of the requests the front relays itself. Measured in a running session (docs/dev.md#performance): the
 * hub taking every span as it came cost it 8–14 µs of CPU per request on the cores the front, workerd and the
 * load share — the front's throughput — whether or not anyone looked. So the front writes each batch to the
 * session's archive itself (one JSON line, the same text it would send) and hands batches to the hub only when it
 * reads its traces (the dashboard's API and `nx-edge mcp` ask it to drain first) or while a live page
 * follows them.
 */
export function createFrontSpans(opts: {
  archive?: { file: string; maxBytes: number };
  send(message: SpanBatchesMessage | { type: 'archive-cut' }): void;
  maxHeldBytes?: number;
}): FrontSpans {
  const maxHeld = opts.maxHeldBytes ?? MAX_HELD_BYTES;
  let archive: ArchiveFile | undefined;
  try {
    archive = opts.archive && openArchiveFile(opts.archive.file, { maxBytes: opts.archive.maxBytes, flushBytes: ARCHIVE_FLUSH_BYTES, onCut: () => opts.send({ type: 'archive-cut' }) });
  } catch {
    archive = undefined; // no archive (its folder is not writable): the hub still gets every batch
  }
  // The archive is a record on the side: a full disk or a deleted folder never stops the proxy.
  const safely = (work: () => void) => {
    try {
      work();
    } catch {
      // this write is lost; the next one tries again
    }
  };
  const timer = setInterval(
    () =>
      safely(() => {
        archive?.reopenIfGone();
        archive?.flush();
      }),
    ARCHIVE_FLUSH_EVERY_MS,
  );
  timer.unref();
  let following = false;
  let held: string[] = [];
  let heldBytes = 0;
  let first = 0; // held[first] is the oldest batch still held (evicting never shifts the array)

  const takeHeld = (): string[] => {
    const batches = first ? held.slice(first) : held;
    held = [];
    heldBytes = 0;
    first = 0;
    return batches;
  };

  return {
    add(batch) {
      const text = JSON.stringify(batch);
      if (archive) safely(() => archive.append(text + '\n'));
      if (following) return opts.send({ type: 'spans', batches: [text] });
      held.push(text);
      heldBytes += text.length;
      while (heldBytes > maxHeld && first < held.length - 1) heldBytes -= held[first++].length;
      if (first > 1024 && first * 2 > held.length) {
        held = held.slice(first);
        first = 0;
      }
    },
    follow(on) {
      following = on;
      if (on && heldBytes) opts.send({ type: 'spans', batches: takeHeld() });
    },
    drain(id) {
      opts.send({ type: 'spans', batches: takeHeld(), id });
    },
    close() {
      clearInterval(timer);
      safely(() => archive?.close());
    },
  };
}
