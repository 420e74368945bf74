import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendPrivate } from '../utils/private-state';

/** Workspace-relative: local state, like the dev logs (.nx-edge/ is gitignored by init). */
export const DEPLOY_HISTORY_RELATIVE_PATH = '.nx-edge/deployments.jsonl';

/**
 * `rolling-out`: a new version serves `percentage` % of traffic, `stableVersion` the rest (deploy
 * --percentage); `promoted`: that version now serves 100 % (nx-edge promote).
 */
export type DeploymentResult = 'deployed' | 'failed' | 'rolled-back' | 'not-deployed' | 'rolling-out' | 'promoted';

/** The reason recorded when `nx-edge rollback` (not a failed health check) moved traffic back. */
export const ROLLBACK_COMMAND_REASON = 'nx-edge rollback';

export interface DeploymentRecord {
  time: string;
  /** Tasks of one `nx affected/run-many -t deploy` share a run id. */
  runId?: string;
  project: string;
  worker: string;
  /** The wrangler env, or "" for the top level. */
  env: string;
  result: DeploymentResult;
  versionId?: string;
  url?: string;
  gitSha?: string;
  dispatchNamespace?: string;
  /** For rolled-back: the version traffic went back to. */
  rolledBackTo?: string;
  /** Why it failed or was not deployed. Never contains secret values (only our messages and wrangler's errors). */
  reason?: string;
  /**
   * What serves after this attempt, as the API said afterwards: `new` (this run's version is live),
   * `previous` (nothing changed), `none` (the Worker has no deployment). Unset when it could not be asked.
   */
  live?: 'new' | 'previous' | 'none';
  /** The version id live afterwards (when known). */
  liveVersion?: string;
  /** rolling-out: the share of traffic the new version (`versionId`) gets. */
  percentage?: number;
  /** rolling-out: the version serving the rest of the traffic (what a rollback returns to). */
  stableVersion?: string;
  /** rolling-out: the new version's own URL, health-checked before any traffic moved. */
  previewUrl?: string;
  /** The Time Travel bookmark of each D1 database the Worker binds, read just before this deploy. */
  d1Bookmarks?: D1Bookmark[];
  /** rolled-back --with-data: where each database went, and the bookmark that undoes it. */
  d1Restored?: (D1Bookmark & { undo: string })[];
}

/** A D1 database's Time Travel bookmark, as a deploy record keeps it. */
export interface D1Bookmark {
  binding: string;
  database: string;
  bookmark: string;
}

/** A record after which this version (or the one it went back to) serves traffic. */
export function servesTraffic(record: DeploymentRecord): boolean {
  return record.result === 'deployed' || record.result === 'rolled-back' || record.result === 'rolling-out' || record.result === 'promoted';
}

/** A version id as people read it: its first 8 characters. */
export const shortVersion = (v?: string) => v?.slice(0, 8) ?? '?';

export function historyFile(workspaceRoot: string, override?: string): string {
  return override ? join(workspaceRoot, override) : join(workspaceRoot, DEPLOY_HISTORY_RELATIVE_PATH);
}

/**
 * An interrupted deploy hands its record to another process (interrupted-deploy-main): from then on this
 * process writes no record of its own, so the history never holds two accounts of one deploy.
 */
let heldByAnotherProcess = false;
export function leaveHistoryToFinisher(): void {
  heldByAnotherProcess = true;
}

export function appendDeploymentRecord(file: string, record: DeploymentRecord): void {
  if (heldByAnotherProcess) return;
  appendPrivate(file, `${JSON.stringify(record)}\n`);
}

export function readDeploymentRecords(file: string): DeploymentRecord[] {
  if (!existsSync(file)) return [];
  const records: DeploymentRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as DeploymentRecord);
    } catch {
      // a line cut by a crash: skip it, keep the rest
    }
  }
  return records;
}

/** What a failed attempt left live, in words: the part of the report a user acts on. */
export function liveNote(record: DeploymentRecord): string {
  if (record.live === 'previous') return ` — nothing changed: ${shortVersion(record.liveVersion)} is still live`;
  if (record.live === 'none') return ' — nothing changed: it has no live version';
  if (record.live === 'new') return ` — live: ${shortVersion(record.liveVersion)} (the new version)`;
  return '';
}

const SYMBOL: Record<DeploymentResult, string> = { deployed: '✔', failed: '✘', 'rolled-back': '↩', 'not-deployed': '–', 'rolling-out': '◐', promoted: '✔' };

/** The one-line summary printed after each service, and by `nx-edge history`. */
export function summaryLine(record: DeploymentRecord): string {
  const env = record.env || 'top level';
  const version = record.versionId ? ` version ${record.versionId.slice(0, 8)}` : '';
  const where = record.dispatchNamespace ? ` in dispatch namespace ${record.dispatchNamespace}` : record.url ? ` → ${record.url}` : '';
  const head = `${SYMBOL[record.result]} ${record.project} (${env}) ${record.result.replace('-', ' ')}`;
  switch (record.result) {
    case 'deployed':
      return `${head}:${version} ${record.worker}${where}`;
    case 'rolling-out':
      return `${head}:${version} serves ${record.percentage} % of ${record.worker}, ${shortVersion(record.stableVersion)} the other ${100 - (record.percentage ?? 0)} %`;
    case 'promoted':
      return `${head}:${version} serves 100 % of ${record.worker}${where}`;
    case 'rolled-back':
      if (record.reason === ROLLBACK_COMMAND_REASON) return `${head}:${version} taken out of service by nx-edge rollback; traffic back on ${shortVersion(record.rolledBackTo)}`;
      return `${head}:${version} failed its health check; traffic back on ${shortVersion(record.rolledBackTo)}${record.reason ? ` — ${record.reason}` : ''}`;
    default:
      return `${head}${record.reason ? `: ${record.reason}` : ''}${liveNote(record)}`;
  }
}

export interface HistoryFilter {
  env?: string;
  project?: string;
  limit?: number;
  lastRun?: boolean;
}

/**
 * A failure message as one history line: the bullet list of problems joined, so
 * `history --last-run` still says which binding or secret was wrong.
 */
export function reasonLine(message: string): string {
  const line = message
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join(' ')
    .replace(/:\s*$/, '');
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function filterRecords(records: DeploymentRecord[], filter: HistoryFilter): DeploymentRecord[] {
  let out = records.filter((r) => (filter.env === undefined || r.env === filter.env) && (!filter.project || r.project === filter.project || r.worker === filter.project));
  if (filter.lastRun) {
    // The newest records sharing a run id; contiguous, so an old run with a reused id is not mixed in.
    const runId = out.at(-1)?.runId;
    let start = out.length - 1;
    while (runId && start > 0 && out[start - 1].runId === runId) start--;
    out = out.slice(Math.max(0, start));
  }
  return filter.limit ? out.slice(-filter.limit) : out;
}

/** The version serving after the attempt: this run's (`new`), the one before (`previous`), or none. */
function liveCell(r: DeploymentRecord): string {
  if (r.result === 'deployed' || r.result === 'promoted') return `new ${r.versionId?.slice(0, 8) ?? ''}`.trim();
  if (r.result === 'rolling-out') return `${r.percentage} % new, ${shortVersion(r.stableVersion)}`;
  if (r.result === 'rolled-back') return `previous ${r.rolledBackTo?.slice(0, 8) ?? ''}`.trim();
  if (!r.live) return r.result === 'not-deployed' ? 'unchanged' : '?';
  return r.live === 'none' ? 'none' : `${r.live} ${r.liveVersion?.slice(0, 8) ?? ''}`.trim();
}

export function formatHistoryTable(records: DeploymentRecord[]): string {
  const rows = records.map((r) => [
    r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.project,
    r.env || '(top)',
    r.result,
    r.versionId?.slice(0, 8) ?? '',
    liveCell(r),
    r.gitSha?.slice(0, 7) ?? '',
    r.result === 'rolling-out' ? `${r.percentage} % → ${r.previewUrl ?? r.url ?? ''}` : r.result === 'deployed' || r.result === 'promoted' ? (r.url ?? (r.dispatchNamespace ? `dispatch:${r.dispatchNamespace}` : '')) : (r.reason ?? '').split('\n')[0].slice(0, 100),
  ]);
  const header = ['time', 'service', 'env', 'result', 'version', 'live after', 'git', 'url / reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  // The Time Travel bookmarks under their deploy, whole: they are what restore --to-bookmark takes.
  const bookmarkLines = (r: DeploymentRecord) => [
    ...(r.d1Bookmarks ?? []).map((b) => `    D1 ${b.database} (${b.binding}) before this deploy: ${b.bookmark}`),
    ...(r.d1Restored ?? []).map((b) => `    D1 ${b.database} (${b.binding}) back to ${b.bookmark}; before the rollback: ${b.undo}`),
  ];
  return [fmt(header), ...rows.flatMap((row, i) => [fmt(row), ...bookmarkLines(records[i])])].join('\n');
}
