import { UserError } from '../utils/user-error';
import { restoreD1Bookmark } from '../backup/time-travel';
import { appendDeploymentRecord, readDeploymentRecords, ROLLBACK_COMMAND_REASON, servesTraffic, shortVersion, summaryLine, type D1Bookmark, type DeploymentRecord } from './deploy-history';
import { buildDeploymentsListByNameArgs, buildVersionsDeployArgs } from '../wrangler/wrangler-args';
import { wranglerErrorSummary, type RunWrangler } from '../wrangler/wrangler-cli';
import { deploymentSplits, versionServingAll } from '../wrangler/wrangler-output';

export interface RolloutCommandInput {
  project: string;
  /** The wrangler env, "" for the top level. */
  env: string;
  historyFile: string;
  /** Where wrangler runs (the workspace root: the Worker is named, no config needed). */
  cwd: string;
}

export interface RolloutCommandDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
  now?: () => Date;
}

type Split = { versionId: string; percentage: number }[];
const describeSplit = (split: Split | undefined) => (split?.length ? split.map((s) => `${shortVersion(s.versionId)} at ${s.percentage} %`).join(', ') : 'no deployment');
const sameSplit = (a: Split | undefined, b: Split) => !!a && a.length === b.length && b.every((x) => a.some((y) => y.versionId === x.versionId && y.percentage === x.percentage));

/** What nx-edge last did for this project and env that left something serving. */
function lastServing(input: RolloutCommandInput): DeploymentRecord {
  const last = readDeploymentRecords(input.historyFile).filter((r) => r.project === input.project && r.env === input.env && servesTraffic(r)).at(-1);
  if (!last) {
    throw new UserError(`nx-edge has no deployment of ${input.project} to ${input.env || 'the top level'} on record (.nx-edge/deployments.jsonl): deploy it first (nx run ${input.project}:deploy${input.env ? ` -c ${input.env}` : ''}).`);
  }
  return last;
}

/** Every deployment of the Worker, newest first, as the API lists them. */
async function liveSplits(worker: string, input: RolloutCommandInput, deps: RolloutCommandDeps): Promise<Split[]> {
  const listed = await deps.runWrangler(buildDeploymentsListByNameArgs(worker), { cwd: input.cwd });
  if (listed.code !== 0) throw new UserError(`could not read the deployments of ${worker}: ${wranglerErrorSummary(listed)}. Nothing changed.`);
  return deploymentSplits(listed.stdout);
}

/** Sets the split, then reads it back: the record says what the API serves afterwards. */
async function moveTraffic(worker: string, split: Split, message: string, input: RolloutCommandInput, deps: RolloutCommandDeps, failed: Omit<DeploymentRecord, 'result' | 'time'>): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const result = await deps.runWrangler(buildVersionsDeployArgs(split, { name: worker }, message), { cwd: input.cwd });
  const after = await liveSplits(worker, input, deps).catch(() => undefined);
  if (result.code !== 0 || !sameSplit(after?.[0], split)) {
    const live = versionServingAll(after?.[0]);
    const reason = `${message} failed for ${worker}: ${result.code !== 0 ? wranglerErrorSummary(result) : `the API serves ${describeSplit(after?.[0])}`}`;
    const record: DeploymentRecord = { ...failed, time: now().toISOString(), result: 'failed', reason: reason.split('\n')[0], ...(live ? { liveVersion: live } : {}) };
    appendDeploymentRecord(input.historyFile, record);
    throw new UserError(`${reason}\nNow serving: ${after ? describeSplit(after[0]) : 'unknown (could not read it back)'}.`);
  }
}

/** `nx-edge promote`: the version a gradual rollout started now serves 100 %. */
export async function promote(input: RolloutCommandInput, deps: RolloutCommandDeps): Promise<DeploymentRecord> {
  const last = lastServing(input);
  const c = input.env ? ` -c ${input.env}` : '';
  if (last.result !== 'rolling-out') {
    throw new UserError(`${input.project} has no rollout in progress in ${input.env || 'the top level'}: nx-edge's last step was "${summaryLine(last)}". Start one with nx run ${input.project}:deploy${c} --percentage=10.`);
  }
  const expected: Split = [
    { versionId: last.versionId!, percentage: last.percentage! },
    { versionId: last.stableVersion!, percentage: 100 - last.percentage! },
  ];
  const [current] = await liveSplits(last.worker, input, deps);
  if (!sameSplit(current, expected)) {
    throw new UserError(`${last.worker} does not serve the split nx-edge set (${describeSplit(expected)}) but ${describeSplit(current)}: it was changed outside nx-edge. Nothing changed; see npx wrangler deployments list --name ${last.worker}.`);
  }
  const base = { runId: undefined, project: last.project, worker: last.worker, env: last.env, versionId: last.versionId, url: last.url, gitSha: last.gitSha };
  await moveTraffic(last.worker, [{ versionId: last.versionId!, percentage: 100 }], `nx-edge: promote ${shortVersion(last.versionId)} to 100 %`, input, deps, base);
  const record: DeploymentRecord = { ...base, time: (deps.now ?? (() => new Date()))().toISOString(), result: 'promoted', live: 'new', liveVersion: last.versionId };
  appendDeploymentRecord(input.historyFile, record);
  deps.log(summaryLine(record));
  return record;
}

/**
 * `nx-edge rollback`: a rollout in progress goes back to its stable version; a full deploy goes back to
 * the version that served before it (the newest earlier deployment at 100 % of another version).
 */
export interface RollbackOptions {
  /** Also return each D1 database to the Time Travel bookmark read before the version taken out was deployed. */
  withData?: boolean;
  /** Asked with the plan before anything changes when data is overwritten; false: nothing changes. */
  confirm?: (plan: string[]) => Promise<boolean>;
}

export async function rollback(input: RolloutCommandInput, deps: RolloutCommandDeps, options: RollbackOptions = {}): Promise<DeploymentRecord> {
  const last = lastServing(input);
  const splits = await liveSplits(last.worker, input, deps);
  const current = splits[0];
  let takenOut: string | undefined;
  let target: string | undefined;
  if (last.result === 'rolling-out') {
    const expected: Split = [
      { versionId: last.versionId!, percentage: last.percentage! },
      { versionId: last.stableVersion!, percentage: 100 - last.percentage! },
    ];
    if (!sameSplit(current, expected)) {
      throw new UserError(`${last.worker} does not serve the split nx-edge set (${describeSplit(expected)}) but ${describeSplit(current)}: it was changed outside nx-edge. Nothing changed; see npx wrangler deployments list --name ${last.worker}.`);
    }
    takenOut = last.versionId;
    target = last.stableVersion;
  } else {
    takenOut = versionServingAll(current);
    if (!takenOut) throw new UserError(`${last.worker} serves ${describeSplit(current)}, not one version at 100 %: nothing for nx-edge rollback to undo. Nothing changed.`);
    target = splits.slice(1).map(versionServingAll).find((v) => v && v !== takenOut);
    if (!target) throw new UserError(`${last.worker} has no earlier version that served 100 % of traffic: nothing to roll back to. Nothing changed.`);
  }
  const c = input.env ? ` -c ${input.env}` : '';
  let bookmarks: D1Bookmark[] = [];
  if (options.withData) {
    // The bookmarks read just before the version taken out was deployed: the data it started from.
    const deployedWith = readDeploymentRecords(input.historyFile)
      .filter((r) => r.project === input.project && r.env === input.env && r.versionId === takenOut && (r.result === 'deployed' || r.result === 'rolling-out'))
      .at(-1);
    bookmarks = deployedWith?.d1Bookmarks ?? [];
    if (bookmarks.length === 0) {
      throw new UserError(
        `--with-data: no D1 Time Travel bookmark was recorded with the deploy of version ${shortVersion(takenOut)} of ${last.worker} (it binds no D1 database, or it was deployed before nx-edge recorded bookmarks, or they could not be read). Nothing changed. Roll back the code alone (nx-edge rollback ${input.project}${c}), or restore a backup.`,
      );
    }
    const plan = [
      `rollback ${input.project} (${input.env || 'top level'}): traffic goes back to version ${shortVersion(target)}; version ${shortVersion(takenOut)} is taken out of service, and its data too:`,
      ...bookmarks.map((b) => `  D1 ${b.database} (binding ${b.binding}) goes back to bookmark ${b.bookmark}, read before ${shortVersion(takenOut)} was deployed (${deployedWith!.time}): everything written to it since is replaced.`),
    ];
    for (const line of plan) deps.log(line);
    if (options.confirm && !(await options.confirm(plan))) throw new UserError('nothing changed (not confirmed).');
  }
  const base = { runId: undefined, project: last.project, worker: last.worker, env: last.env, versionId: takenOut, url: last.url, gitSha: last.gitSha };
  await moveTraffic(last.worker, [{ versionId: target!, percentage: 100 }], `nx-edge: rollback to ${shortVersion(target)}`, input, deps, base);
  // Code first (what serves must never be newer than the data's schema it expects), then each database.
  const restored: (D1Bookmark & { undo: string })[] = [];
  let dataFailure: string | undefined;
  for (const b of bookmarks) {
    try {
      const { previous } = await restoreD1Bookmark(b.database, b.bookmark, { runWrangler: deps.runWrangler, cwd: input.cwd });
      restored.push({ ...b, undo: previous });
      deps.log(`↩ D1 ${b.database} (${b.binding}) back to bookmark ${b.bookmark}; to undo: nx-edge restore ${input.project}${c} --to-bookmark ${previous} --database ${b.database}`);
    } catch (error) {
      dataFailure = `${(error as Error).message}\nThe code is rolled back (version ${shortVersion(target)} serves); ${restored.length} of ${bookmarks.length} databases went back: ${restored.map((r) => r.database).join(', ') || 'none'}. Run nx-edge restore ${input.project}${c} --to-bookmark <bookmark> --database <name> for the rest.`;
      break;
    }
  }
  const record: DeploymentRecord = {
    ...base,
    time: (deps.now ?? (() => new Date()))().toISOString(),
    result: 'rolled-back',
    rolledBackTo: target,
    reason: ROLLBACK_COMMAND_REASON,
    live: 'previous',
    liveVersion: target,
    ...(restored.length ? { d1Restored: restored } : {}),
  };
  appendDeploymentRecord(input.historyFile, record);
  deps.log(summaryLine(record));
  if (dataFailure) throw new UserError(dataFailure);
  return record;
}
