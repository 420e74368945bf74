import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Types only: this runs in Nx's plugin worker after every task run.
import type { PostTasksExecution } from '@nx/devkit';
import { formatBytes, SIZE_REPORT_FILE } from '../build/size-report';
import { historyFile, readDeploymentRecords, summaryLine } from '../deploy/deploy-history';
import { normalizePluginOptions, type NxEdgePluginOptions } from './options';
import { keepWorker } from './worker-release';

interface FinishedTask {
  task: { target: { project: string; target: string }; outputs?: string[]; projectRoot?: string };
  status: string;
}

const OK = new Set(['success', 'local-cache', 'local-cache-kept-existing', 'remote-cache']);

/**
 * The lines Nx folds away (`Output of N successful tasks were not shown`) that a user came for: each
 * Worker's bundle size, and each deploy's result with version and URL. Empty for a single task (Nx
 * shows its output) and for runs of other targets.
 */
export function runSummary(results: FinishedTask[], workspaceRoot: string, names: { build: string; deploy: string }, since: number): string[] {
  const lines: string[] = [];
  const builds = results.filter((r) => r.task.target.target === names.build && OK.has(r.status));
  const rows: string[][] = [];
  for (const r of builds) {
    const out = r.task.outputs?.[0] ?? join('dist', r.task.projectRoot ?? r.task.target.project);
    const file = join(workspaceRoot, out, SIZE_REPORT_FILE);
    if (!existsSync(file)) continue;
    try {
      const report = JSON.parse(readFileSync(file, 'utf8')) as { raw: number; gzip: number; budget: number };
      const share = (report.gzip / report.budget) * 100;
      rows.push([r.task.target.project, formatBytes(report.raw), `gzip ${formatBytes(report.gzip)}`, `${share < 1 ? '<1' : Math.round(share)}% of the ${formatBytes(report.budget)} budget`]);
    } catch {
      // a report from another version: leave the row out
    }
  }
  if (rows.length > 1 || (rows.length && results.length > 1)) {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    lines.push(`nx-edge: ${rows.length} Worker${rows.length === 1 ? '' : 's'} built`);
    for (const row of rows.sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ')}`);
  }
  const deployed = results.filter((r) => r.task.target.target === names.deploy).map((r) => r.task.target.project);
  if (deployed.length > 1 || (deployed.length && results.length > 1)) {
    const records = readDeploymentRecords(historyFile(workspaceRoot)).filter((rec) => Date.parse(rec.time) >= since - 1000 && deployed.includes(rec.project));
    if (records.length) {
      lines.push(`nx-edge: this run's deploys (npx nx-edge history --last-run)`);
      for (const rec of records) lines.push(`  ${summaryLine(rec)}`);
    }
  }
  return lines;
}

export const postTasksExecution: PostTasksExecution<NxEdgePluginOptions> = (options, context) => {
  keepWorker();
  const names = normalizePluginOptions(options);
  const lines = runSummary(Object.values(context.taskResults), context.workspaceRoot, { build: names.buildTargetName, deploy: names.deployTargetName }, context.startTime);
  if (lines.length) console.log(`\n${lines.join('\n')}`);
};
