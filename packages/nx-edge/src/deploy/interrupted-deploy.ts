import { appendDeploymentRecord, summaryLine, type DeploymentRecord } from './deploy-history';
import { buildDeploymentsListArgs } from '../wrangler/wrangler-args';
import { deploymentSplits, versionServingAll } from '../wrangler/wrangler-output';
import { stripAnsi, wranglerErrorSummary, type RunWrangler } from '../wrangler/wrangler-cli';

/**
 * Where a deploy stood when it was interrupted (Ctrl-C, Nx stopping the run), as deployService reports it:
 * enough for another process to ask the API what is live and record it.
 */
export interface DeployProgress {
  stage: 'checking' | 'uploading' | 'health-check' | 'rolling-back';
  worker: string;
  env?: string;
  /** The build's wrangler.json the deploy ships (what `wrangler deployments list -c` reads). */
  bundleConfig: string;
  bundleDir: string;
  hasEnvironments: boolean;
  /** What served before the upload, once read (undefined: not read yet). */
  before?: { known: boolean; version?: string };
  /** The version the upload produced, once known. */
  newVersion?: string;
}

export interface InterruptedDeploy extends DeployProgress {
  project: string;
  historyFile: string;
  runId?: string;
  gitSha?: string;
  signal: string;
}

// What the deploy itself cannot know once stopped (did wrangler's upload end?) the API says afterwards: the
// words name only what is certain.
const STAGE_WORDS: Record<DeployProgress['stage'], string> = {
  checking: 'before anything was uploaded',
  uploading: 'during the deploy',
  'health-check': 'during the deploy',
  'rolling-back': 'during a rollback',
};

/**
 * Asks the API what serves the Worker now (wrangler deployments list), as after any failure, and records an
 * interrupted deploy with exactly that. Returns the record.
 */
export async function recordInterruptedDeploy(ctx: InterruptedDeploy, deps: { runWrangler: RunWrangler; now?: () => Date }): Promise<DeploymentRecord> {
  const now = deps.now ?? (() => new Date());
  const listed = await deps.runWrangler(buildDeploymentsListArgs(ctx.env, { configFile: ctx.bundleConfig, hasEnvironments: ctx.hasEnvironments }), { cwd: ctx.bundleDir });
  const base: DeploymentRecord = {
    time: now().toISOString(),
    runId: ctx.runId,
    project: ctx.project,
    worker: ctx.worker,
    env: ctx.env ?? '',
    gitSha: ctx.gitSha,
    result: 'failed',
    reason: `interrupted by ${ctx.signal} ${STAGE_WORDS[ctx.stage]}`,
  };
  let record: DeploymentRecord;
  if (listed.code !== 0) {
    const missing = /\b10007\b|\b10090\b|does not exist|not found/i.test(stripAnsi(listed.stderr + listed.stdout));
    record = missing
      ? { ...base, live: 'none' }
      : { ...base, reason: `${base.reason}; which version is live could not be read back (${wranglerErrorSummary(listed).split('\n')[0]}): check with npx wrangler deployments status` };
  } else {
    const live = versionServingAll(deploymentSplits(listed.stdout)[0]);
    if (!live) record = { ...base, live: 'none' };
    else if (ctx.before?.known && live === ctx.before.version) record = { ...base, live: 'previous', liveVersion: live };
    else if (ctx.before?.known && ctx.stage !== 'checking') record = { ...base, live: 'new', liveVersion: live, versionId: live, reason: `${base.reason}: the new version is live, not health-checked` };
    else record = { ...base, liveVersion: live, reason: `${base.reason}; version ${live.slice(0, 8)} is live` };
  }
  appendDeploymentRecord(ctx.historyFile, record);
  return record;
}

export { summaryLine };
