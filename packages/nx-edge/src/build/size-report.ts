import type { BundledFile } from './bundle-worker';

/** What the build writes next to the bundle for the run summary: `{ worker, raw, gzip, budget }`. */
export const SIZE_REPORT_FILE = 'size-report.json';

/** Workers paid plan: 10 MiB compressed per Worker (free plan: 3 MiB). */
export const DEFAULT_SIZE_BUDGET_BYTES = 10 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(2)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** `10MiB`, `3 MB`, `512kb`, `2048` (bytes) → bytes. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib)?\s*$/i.exec(value);
  if (!match) throw new Error(`"${value}" is not a size; use bytes or a unit, e.g. "3MiB" or "512KiB".`);
  const n = Number(match[1]);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  return Math.round(n * factor);
}

export function sizeTable(worker: string, files: BundledFile[]): string {
  const rows = [['file', 'raw', 'gzip'], ...files.map((f) => [f.file, formatBytes(f.bytes), formatBytes(f.gzipBytes)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  return [`${worker}`, line(rows[0]), ...rows.slice(1).map(line)].join('\n');
}

export function totalGzip(files: BundledFile[]): number {
  return files.reduce((sum, f) => sum + f.gzipBytes, 0);
}
