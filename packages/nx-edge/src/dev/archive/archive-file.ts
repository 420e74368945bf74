import { closeSync, fstatSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, openPrivateAppend } from '../../utils/private-state';

/** Per file (the hub's spans and logs, the front's spans): past this a session stops recording it and says so in its meta. */
export const MAX_ARCHIVE_FILE_BYTES = 32 * 1024 * 1024;
/** Buffered lines are written every second, or sooner once this many bytes wait. */
export const ARCHIVE_FLUSH_EVERY_MS = 1000;
export const ARCHIVE_FLUSH_BYTES = 64 * 1024;

/**
 * One append-only file of a session's archive (0600 in its 0700 folder): whole lines, buffered, bounded. Written
 * by the hub (its spans, its log lines) and by the proxy's front (the spans of the requests it relays itself),
 * each process its own file. Kept to Node's builtins: the front loads it, and its memory is on the session's bill.
 */
export interface ArchiveFile {
  /** Buffers one or more whole lines (each ending in \n); writes them once the buffer is full. */
  append(lines: string): void;
  /** Writes what is buffered. Past `maxBytes` the file is closed and nothing more is written (`cut`). */
  flush(): void;
  /** Opens the file again (its private folder recreated if it is gone), appending to what is there. */
  reopen(): void;
  /** The file was removed (its folder deleted by hand, `git clean`): starts it again. True when it did. */
  reopenIfGone(): boolean;
  close(): void;
  /** True once the file reached its bound. */
  readonly cut: boolean;
}

export function openArchiveFile(path: string, opts: { maxBytes: number; flushBytes: number; onCut?(): void }): ArchiveFile {
  let fd: number | undefined = openPrivateAppend(path);
  let written = fstatSync(fd).size;
  let buffer: string[] = [];
  let buffered = 0;
  let cut = false;
  const file: ArchiveFile = {
    get cut() {
      return cut;
    },
    append(lines) {
      if (fd === undefined) return;
      buffer.push(lines);
      buffered += lines.length;
      if (buffered >= opts.flushBytes) file.flush();
    },
    flush() {
      if (fd === undefined || !buffer.length) return;
      const bytes = Buffer.from(buffer.join(''));
      buffer = [];
      buffered = 0;
      if (written + bytes.length > opts.maxBytes) {
        // Whole lines only, and then no more: the session's meta says it was cut.
        closeSync(fd);
        fd = undefined;
        cut = true;
        opts.onCut?.();
        return;
      }
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      written += bytes.length;
    },
    reopen() {
      if (fd === undefined) return;
      closeSync(fd);
      ensurePrivateDir(dirname(path));
      fd = openPrivateAppend(path);
      written = fstatSync(fd).size;
    },
    reopenIfGone() {
      if (fd === undefined || fstatSync(fd).nlink > 0) return false;
      file.reopen();
      return true;
    },
    close() {
      file.flush();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
  return file;
}
