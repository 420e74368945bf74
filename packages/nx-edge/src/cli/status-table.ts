import type { ServiceStatus } from '../dev/protocol';
import { inertText } from '../logs/inert-text';

export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `service | state | pid | port | health | uptime | restarts`, one row per service. */
export function formatStatusTable(rows: ServiceStatus[], now: number): string {
  const header = ['service', 'state', 'pid', 'port', 'health', 'uptime', 'restarts'];
  const body = rows.map((r) => [
    r.service,
    r.state === 'failed' && r.exitCode !== undefined ? `failed (${r.exitCode})` : r.state,
    r.pid ? String(r.pid) : '-',
    r.port ? String(r.port) : '-',
    r.health ?? '-',
    r.startedAt && (r.state === 'healthy' || r.state === 'unhealthy') ? formatUptime(now - r.startedAt) : '-',
    String(r.restarts),
  ]);
  return formatTable(header, body);
}

/** A plain-text table: a header, a rule, one line per row, columns padded and separated by ` | `. */
export function formatTable(header: string[], body: string[][]): string {
  // A cell may carry a Worker's text (a health reason): shown inert, measured as shown.
  body = body.map((row) => row.map(inertText));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}
