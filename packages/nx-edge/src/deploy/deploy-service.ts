import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatBytes } from '../build/size-report';
import { assertEnvIsolated, type WorkspaceWorker } from '../config/env-isolation';
import { environmentNames, readWranglerConfig, resolveEnvironment } from '../config/wrangler-config';
import { UserError } from '../utils/user-error';
import { readD1Bookmarks } from '../backup/time-travel';
import { appendDeploymentRecord, readDeploymentRecords, reasonLine, summaryLine, type DeploymentRecord } from './deploy-history';
import { assertDeployableBindings, assertRequiredSecrets, requiredSecretNames } from './env-checks';
import { checkHealth, healthBaseUrl } from './health-check';
import { buildDeployArgs, buildDeploymentsListArgs, buildRollbackArgs, buildSecretListArgs, buildVersionsDeployArgs, buildVersionsUploadArgs, configArgs } from '../wrangler/wrangler-args';
import type { RunWrangler } from '../wrangler/wrangler-cli';
import { stripAnsi, wranglerErrorSummary } from '../wrangler/wrangler-cli';
import { deploymentSplits, readWranglerOutputFile, versionServingAll } from '../wrangler/wrangler-output';
import type { DeployProgress } from './interrupted-deploy';

export interface DeployServiceOptions {
  /** wrangler env (`[env.<name>]`), from the Nx configuration; undefined = top level. */
  env?: string;
  dryRun?: boolean;
  dispatchNamespace?: string;
  requiredSecrets?: string[];
  /** Path probed after the deploy; false turns the check off. */
  healthCheckPath?: string | false;
  /** Replaces the deployed URL for the health check; may contain {worker} and {env}. */
  healthCheckBaseUrl?: string;
  healthCheckAttempts?: number;
  healthCheckIntervalMs?: number;
  healthCheckTimeoutMs?: number;
  /** Folder holding the build's bundle and deployable wrangler.json (workspace-relative). */
  bundleDir?: string;
  message?: string;
  /**
   * Gradual rollout: upload a new version, health-check it on its preview URL, then give it this share
   * of traffic (1–99) and the live version the rest. `nx-edge promote` / `rollback` finish it.
   */
  percentage?: number;
}

export interface DeployServiceInput {
  workspaceRoot: string;
  project: string;
  /** Workspace-relative project root. */
  projectRoot: string;
  /** Absolute path of the source wrangler config. */
  configFile: string;
  options: DeployServiceOptions;
  runId?: string;
  /** Position in the run, for dry-run output: [index, total, ordered names]. */
  order?: { position: number; total: number; names: string[] };
  historyFile: string;
  /** The workspace's Workers, for the env isolation check (which deployed name belongs to whom). */
  workspaceWorkers?: WorkspaceWorker[];
}

export interface DeployServiceDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
  /** wrangler's own deploy output, as it comes. */
  stream?: (chunk: string) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  gitSha?: () => string | undefined;
  /** NX_EDGE_HEALTH_BASE_URL and other process settings. */
  environment?: Record<string, string | undefined>;
  /** Kept up to date as the deploy goes: where it stands, for whoever must finish an interrupted one. */
  progress?: Partial<DeployProgress>;
}

export interface DeployServiceOutcome {
  record?: DeploymentRecord;
  /** Dry run: what would be uploaded. */
  plan?: { worker: string; files: { file: string; bytes: number; gzipBytes: number }[] };
}

/** Raised after a failure was recorded in the history (so the executor does not record it twice). */
export class RecordedDeployError extends UserError {
  constructor(
    message: string,
    readonly record: DeploymentRecord,
  ) {
    super(message);
  }
}

const UPLOADED = /\.(m?js|cjs|wasm|bin|txt|html|sql)$/;

export function bundleFiles(dir: string): { file: string; bytes: number; gzipBytes: number }[] {
  const out: { file: string; bytes: number; gzipBytes: number }[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current).sort()) {
      const full = join(current, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (UPLOADED.test(entry)) {
        const content = readFileSync(full);
        out.push({ file: relative(dir, full), bytes: content.length, gzipBytes: gzipSync(content).length });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** The health check with the deploy options' attempts, interval and timeout (and their defaults). */
function checkConfiguredHealth(baseUrl: string, path: string, options: DeployServiceOptions, deps: DeployServiceDeps) {
  return checkHealth({
    baseUrl,
    path,
    attempts: options.healthCheckAttempts ?? 5,
    intervalMs: options.healthCheckIntervalMs ?? 2000,
    timeoutMs: options.healthCheckTimeoutMs ?? 10_000,
    fetch: deps.fetch,
    sleep: deps.sleep,
  });
}

/** The URL an earlier deploy of this Worker printed (a failed subdomain or route step prints none). */
function lastKnownUrl(historyFile: string, worker: string): string | undefined {
  return readDeploymentRecords(historyFile)
    .filter((r) => r.worker === worker && r.url && /^https?:\/\//.test(r.url))
    .at(-1)?.url;
}

function isNotFound(text: string): boolean {
  return /\b10007\b|\b10090\b|does not exist|not found/i.test(text);
}

/**
 * Deploys one Worker to one env: checks bindings and secrets (nothing uploaded when they fail),
 * deploys the build's bundle with wrangler, reads version and URL from wrangler's output file,
 * health-checks, rolls back on failure, and records the result.
 */
export async function deployService(input: DeployServiceInput, deps: DeployServiceDeps): Promise<DeployServiceOutcome> {
  const { options, workspaceRoot, project } = input;
  const env = options.env || undefined;
  const now = deps.now ?? (() => new Date());
  const environment = deps.environment ?? process.env;
  const configRelative = relative(workspaceRoot, input.configFile);
  const { config } = readWranglerConfig(input.configFile);
  const hasEnvironments = environmentNames(config).length > 0;
  const resolved = resolveEnvironment(config, env);
  const worker = resolved.name ?? project;
  const base: Omit<DeploymentRecord, 'result'> = {
    time: now().toISOString(),
    runId: input.runId,
    project,
    worker,
    env: env ?? '',
    gitSha: deps.gitSha?.(),
    dispatchNamespace: options.dispatchNamespace,
  };
  const fail = (reason: string, extra: Partial<DeploymentRecord> = {}): never => {
    const record: DeploymentRecord = { ...base, time: now().toISOString(), result: 'failed', reason: reasonLine(reason), ...extra };
    if (!options.dryRun) appendDeploymentRecord(input.historyFile, record);
    throw new RecordedDeployError(reason, record);
  };

  // 1. Before anything is uploaded: bindings the env does not inherit, ids that are missing, and
  // anything that would let this env reach another env's Workers or data.
  try {
    assertDeployableBindings(config, env, configRelative);
    assertEnvIsolated(config, env, configRelative, readFileSync(input.configFile, 'utf8'), input.workspaceWorkers ?? [], 'deploy');
  } catch (error) {
    fail((error as Error).message);
  }

  // 2. What ships is what the build produced (dist/<root>/wrangler.json points at the bundle).
  const bundleDir = join(workspaceRoot, options.bundleDir ?? join('dist', input.projectRoot));
  const deployConfig = join(bundleDir, 'wrangler.json');
  if (!existsSync(deployConfig)) {
    fail(
      `${relative(workspaceRoot, deployConfig)} does not exist: deploy ships the build target's bundle. Run nx run ${project}:build first (the inferred deploy target depends on build), or set bundleDir to where the build writes.`,
    );
  }
  const argsBase = { configFile: deployConfig, hasEnvironments };
  if (deps.progress) Object.assign(deps.progress, { stage: 'checking', worker, env, bundleConfig: deployConfig, bundleDir, hasEnvironments } satisfies DeployProgress);
  const required = requiredSecretNames(join(workspaceRoot, input.projectRoot), options.requiredSecrets);

  if (options.percentage !== undefined) {
    if (!Number.isInteger(options.percentage) || options.percentage < 1 || options.percentage > 99) {
      fail(`--percentage must be a whole number from 1 to 99 (got ${options.percentage}): the share of traffic the new version gets while the live one keeps the rest. A full deploy needs no --percentage.`);
    }
    if (options.dispatchNamespace) fail(`a gradual rollout (--percentage) cannot split traffic of a dispatch namespace script (${worker} in ${options.dispatchNamespace}): Workers for Platforms scripts have no versions API. Deploy without --percentage.`);
  }

  if (options.dryRun) {
    const files = bundleFiles(bundleDir);
    const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
    const position = input.order ? `[${input.order.position}/${input.order.total}] ` : '';
    deps.log(`${position}would deploy ${project} as ${worker}${env ? ` (env ${env})` : ' (top level)'}${options.dispatchNamespace ? ` to dispatch namespace ${options.dispatchNamespace}` : ''}, from ${relative(workspaceRoot, bundleDir)}:`);
    for (const f of files) deps.log(`    ${f.file.padEnd(24)} ${formatBytes(f.bytes).padStart(10)}   gzip ${formatBytes(f.gzipBytes).padStart(10)}`);
    deps.log(`    total gzip ${formatBytes(total)}${required.length ? `; would check secrets ${required.join(', ')}` : ''}`);
    // Every task says it: Nx shows only the requested project's output unless asked for all.
    if (input.order && input.order.total > 1) deps.log(`    deploy order of this run: ${input.order.names.join(' → ')}`);
    // wrangler validates the config and bundle without uploading.
    const outDir = mkdtempSync(join(tmpdir(), 'nx-edge-dry-run-'));
    try {
      const result = await deps.runWrangler(buildDeployArgs(env, { ...argsBase, dispatchNamespace: options.dispatchNamespace, dryRunOutDir: outDir }), {
        cwd: bundleDir,
      });
      if (result.code !== 0) fail(`wrangler deploy --dry-run failed for ${worker}: ${wranglerErrorSummary(result)}`);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    deps.log(`    nothing uploaded (dry run)`);
    return { plan: { worker, files } };
  }

  // 3. Remember what is live now: to roll back to, and to tell after a failure whether anything changed.
  const healthPath = options.healthCheckPath === false ? undefined : (options.healthCheckPath ?? '/health');
  const liveVersion = async (): Promise<{ known: boolean; version?: string; split?: { versionId: string; percentage: number }[] }> => {
    if (options.dispatchNamespace) return { known: false }; // wrangler cannot list a dispatch namespace script's deployments
    const listed = await deps.runWrangler(buildDeploymentsListArgs(env, argsBase), { cwd: bundleDir });
    if (listed.code === 0) {
      const split = deploymentSplits(listed.stdout)[0];
      return { known: true, version: versionServingAll(split), split };
    }
    // A Worker that does not exist yet has no deployments.
    return isNotFound(stripAnsi(listed.stderr + listed.stdout)) ? { known: true } : { known: false };
  };
  const before = await liveVersion();
  const previousVersion = before.version;
  if (deps.progress) deps.progress.before = { known: before.known, version: before.version };
  if (before.split && before.split.length > 1) {
    // Two versions serve: neither a new deploy nor its rollback would know what "previous" means.
    const c = env ? ` -c ${env}` : '';
    fail(
      `${worker} is in the middle of a gradual rollout (${before.split.map((s) => `${s.versionId.slice(0, 8)} at ${s.percentage} %`).join(', ')}): finish it first with npx nx-edge promote ${project}${c} or npx nx-edge rollback ${project}${c}. Nothing was uploaded.`,
      { live: 'previous' },
    );
  }

  // Failing from here on, nothing was uploaded: say what stays live.
  const unchanged = (): Partial<DeploymentRecord> => (before.known ? { live: before.version ? 'previous' : 'none', liveVersion: before.version } : {});

  // 4. Required secrets must already exist in that env.
  if (required.length > 0 && options.dispatchNamespace) {
    // wrangler cannot list the secrets of a script inside a dispatch namespace.
    deps.log(`required secrets (${required.join(', ')}) not checked: wrangler cannot list secrets of dispatch namespace scripts.`);
  } else if (required.length > 0) {
    const listed = await deps.runWrangler(buildSecretListArgs(env, argsBase), { cwd: bundleDir });
    let present: string[] = [];
    if (listed.code === 0) {
      try {
        present = (JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name);
      } catch {
        fail(`could not read the secret names of ${worker} from wrangler secret list.`, unchanged());
      }
    } else if (!isNotFound(stripAnsi(listed.stderr + listed.stdout))) {
      fail(`could not list the secrets of ${worker}: ${wranglerErrorSummary(listed)}`, unchanged());
    }
    try {
      assertRequiredSecrets(required, present, { worker, env, project });
    } catch (error) {
      fail((error as Error).message, unchanged());
    }
  }

  // 4b. Where each D1 database stands before this deploy (its Time Travel bookmark): what rollback --with-data
  // and restore --to-bookmark return it to. Not readable: said, and the deploy goes on.
  if (!options.dispatchNamespace && (resolved.d1_databases ?? []).some((db) => db.database_id)) {
    const { bookmarks, missing } = await readD1Bookmarks(resolved.d1_databases ?? [], configArgs(deployConfig, hasEnvironments, env), { runWrangler: deps.runWrangler, cwd: bundleDir });
    if (bookmarks.length) {
      base.d1Bookmarks = bookmarks;
      deps.log(`D1 Time Travel bookmarks before this deploy: ${bookmarks.map((b) => `${b.database} (${b.binding}) ${b.bookmark}`).join(', ')}`);
    }
    for (const line of missing) deps.log(`D1 ${line} — no Time Travel bookmark recorded for this deploy`);
  }

  if (options.percentage !== undefined) {
    return rollOut({ percentage: options.percentage, previousVersion, worker, env, bundleDir, argsBase, base, fail, unchanged, liveVersion, healthPath, input, deps, now });
  }

  // 5. Deploy.
  const outputDir = mkdtempSync(join(tmpdir(), 'nx-edge-deploy-'));
  const outputFile = join(outputDir, 'wrangler-output.ndjson');
  let deployed;
  let deployFailure: string | undefined;
  try {
    deps.log(`deploying ${project} as ${worker}${env ? ` (env ${env})` : ''}${options.dispatchNamespace ? ` to dispatch namespace ${options.dispatchNamespace}` : ''}`);
    if (deps.progress) deps.progress.stage = 'uploading';
    const result = await deps.runWrangler(buildDeployArgs(env, { ...argsBase, dispatchNamespace: options.dispatchNamespace, message: options.message }), {
      cwd: bundleDir,
      env: { WRANGLER_OUTPUT_FILE_PATH: outputFile },
      onOutput: deps.stream ? (chunk) => deps.stream!(chunk) : undefined,
    });
    deployed = readWranglerOutputFile(outputFile).find((d) => d.workerName === worker) ?? readWranglerOutputFile(outputFile).at(-1);
    if (result.code !== 0) deployFailure = `wrangler deploy failed for ${worker}: ${wranglerErrorSummary(result)}`;
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
  let versionId = deployed?.versionId;
  let url = deployed?.targets.find((t) => /^https?:\/\//.test(t)) ?? deployed?.targets[0];

  // 5b. wrangler failed: a step after the deployment (subdomain, routes, schedules, settings) may have
  // failed with the new version already live. Ask the API what serves now and say exactly that.
  let partial: DeploymentRecord['live'];
  if (deployFailure) {
    const after = await liveVersion();
    if (!after.known) {
      fail(`${deployFailure}. Which version is live could not be read back${options.dispatchNamespace ? ' (dispatch namespace scripts cannot be listed)' : ''}: check with npx wrangler deployments status -c ${configRelative}${env ? ` --env ${env}` : ''}`);
    }
    if (after.version === previousVersion) fail(deployFailure, { live: after.version ? 'previous' : 'none', liveVersion: after.version });
    // The new version is live although wrangler failed: it is health-checked (and rolled back) like any other.
    partial = 'new';
    versionId = after.version;
    url ??= lastKnownUrl(input.historyFile, worker);
    deps.log(`${deployFailure.split('\n')[0]} — but version ${versionId} is live: checking it`);
  }
  if (url && !deployFailure) deps.log(`${worker}${env ? ` [${env}]` : ''}: ${(deployed?.targets ?? []).join(' ')}`);

  // 6. Health check, rollback on failure.
  if (deps.progress) Object.assign(deps.progress, { stage: 'health-check', newVersion: versionId });
  const baseUrl = healthPath ? healthBaseUrl(url, options.healthCheckBaseUrl ?? environment.NX_EDGE_HEALTH_BASE_URL, worker, env) : undefined;
  if (healthPath && !baseUrl) {
    deps.log(`health check skipped for ${worker}: it has no URL (dispatch namespace script, or workers_dev off without routes).`);
  }
  if (healthPath && baseUrl) {
    const health = await checkConfiguredHealth(baseUrl, healthPath, options, deps);
    if (!health.healthy) {
      const problem = `${worker} failed its health check: GET ${health.url} → ${health.detail} (${health.attempts} attempt${health.attempts > 1 ? 's' : ''})`;
      if (!previousVersion) {
        fail(`${problem}. This was its first deployment, so there is no earlier version to roll back to: version ${versionId ?? '?'} stays live. Fix it and deploy again.${deployFailure ? ` (Before that: ${deployFailure.split('\n')[0]})` : ''}`, {
          versionId,
          url,
          live: 'new',
          liveVersion: versionId,
        });
      }
      deps.log(`${problem}; rolling back to version ${previousVersion}`);
      if (deps.progress) deps.progress.stage = 'rolling-back';
      const rollback = await deps.runWrangler(
        buildRollbackArgs(env, { ...argsBase, versionId: previousVersion, message: `nx-edge: health check failed for ${versionId ?? 'new version'}` }),
        { cwd: bundleDir },
      );
      if (rollback.code !== 0) {
        const after = await liveVersion();
        fail(`${problem}, and the rollback to ${previousVersion} failed: ${wranglerErrorSummary(rollback)}. Roll back by hand: npx wrangler rollback ${previousVersion} -c ${configRelative}${env ? ` --env ${env}` : ''}`, {
          versionId,
          url,
          ...(after.known ? { live: after.version === previousVersion ? 'previous' : after.version ? 'new' : 'none', liveVersion: after.version } : {}),
        });
      }
      const record: DeploymentRecord = {
        ...base,
        time: now().toISOString(),
        result: 'rolled-back',
        versionId,
        url,
        rolledBackTo: previousVersion,
        live: 'previous',
        liveVersion: previousVersion,
        reason: `GET ${health.url} → ${health.detail}${deployFailure ? `; before that: ${reasonLine(deployFailure)}` : ''}`,
      };
      appendDeploymentRecord(input.historyFile, record);
      throw new RecordedDeployError(`${problem}. Rolled back: version ${previousVersion} serves ${worker} again; ${versionId ?? 'the new version'} is not live.`, record);
    }
    deps.log(`${worker} is healthy: GET ${health.url} → ${health.detail}`);
  } else if (partial) {
    deps.log(`version ${versionId} of ${worker} was not health-checked: no URL is known for it.`);
  }
  if (deployFailure) {
    // Live and (if it could be checked) healthy, but a step of the deploy did not happen: still a failure.
    fail(deployFailure, { versionId, url, live: partial, liveVersion: versionId });
  }

  const record: DeploymentRecord = { ...base, time: now().toISOString(), result: 'deployed', versionId, url };
  appendDeploymentRecord(input.historyFile, record);
  deps.log(summaryLine(record));
  return { record };
}

interface RollOutContext {
  percentage: number;
  previousVersion?: string;
  worker: string;
  env?: string;
  bundleDir: string;
  argsBase: { configFile: string; hasEnvironments: boolean };
  base: Omit<DeploymentRecord, 'result'>;
  fail: (reason: string, extra?: Partial<DeploymentRecord>) => never;
  unchanged: () => Partial<DeploymentRecord>;
  liveVersion: () => Promise<{ known: boolean; version?: string }>;
  healthPath?: string;
  input: DeployServiceInput;
  deps: DeployServiceDeps;
  now: () => Date;
}

/**
 * deploy --percentage: upload a version that serves nothing, check it on its own preview URL, and only
 * then split traffic between it and the live version. Any failure before the split leaves traffic
 * where it was, and the record says so.
 */
async function rollOut(c: RollOutContext): Promise<DeployServiceOutcome> {
  const { worker, env, deps, input, fail } = c;
  const { options, project } = input;
  const where = `${project}${env ? ` -c ${env}` : ''}`;
  if (!c.previousVersion) {
    fail(`a gradual rollout splits traffic between the live version and a new one, and ${worker} has no live version yet. Deploy it fully first: nx run ${project}:deploy${env ? ` -c ${env}` : ''} (without --percentage).`, c.unchanged());
  }
  const outputDir = mkdtempSync(join(tmpdir(), 'nx-edge-rollout-'));
  const outputFile = join(outputDir, 'wrangler-output.ndjson');
  let uploaded;
  try {
    deps.log(`uploading a new version of ${project} as ${worker}${env ? ` (env ${env})` : ''}: it serves no traffic until checked`);
    const result = await deps.runWrangler(buildVersionsUploadArgs(env, { ...c.argsBase, message: options.message }), {
      cwd: c.bundleDir,
      env: { WRANGLER_OUTPUT_FILE_PATH: outputFile },
      onOutput: deps.stream ? (chunk) => deps.stream!(chunk) : undefined,
    });
    uploaded = readWranglerOutputFile(outputFile).at(-1);
    if (result.code !== 0 || !uploaded?.versionId) fail(`wrangler versions upload failed for ${worker}: ${wranglerErrorSummary(result)}`, c.unchanged());
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
  // fail() above threw unless the upload reported its version.
  const { versionId, previewUrl } = uploaded as { versionId: string; previewUrl?: string };
  const url = lastKnownUrl(input.historyFile, worker);

  // The new version answers on its own URL before any traffic moves to it.
  if (c.healthPath) {
    const override = options.healthCheckBaseUrl ?? (deps.environment ?? process.env).NX_EDGE_HEALTH_BASE_URL;
    const baseUrl = healthBaseUrl(previewUrl, override, worker, env, versionId);
    if (!baseUrl) {
      fail(`version ${versionId} of ${worker} cannot be checked before traffic moves: it has no preview URL (preview_urls is off for ${worker}). Turn preview_urls on, set healthCheckBaseUrl, or pass --healthCheckPath=false to split without a check. No traffic moved; ${c.previousVersion} serves 100 %.`, { versionId, previewUrl, ...c.unchanged() });
    }
    const health = await checkConfiguredHealth(baseUrl!, c.healthPath, options, deps);
    if (!health.healthy) {
      fail(`version ${versionId} of ${worker} failed its health check on its preview URL: GET ${health.url} → ${health.detail} (${health.attempts} attempt${health.attempts > 1 ? 's' : ''}). No traffic moved: ${c.previousVersion} still serves 100 %.`, { versionId, previewUrl, ...c.unchanged() });
    }
    deps.log(`version ${versionId.slice(0, 8)} is healthy on its preview URL: GET ${health.url} → ${health.detail}`);
  }

  const split = [
    { versionId, percentage: c.percentage },
    { versionId: c.previousVersion!, percentage: 100 - c.percentage },
  ];
  const result = await deps.runWrangler(buildVersionsDeployArgs(split, { ...c.argsBase, env }, options.message ?? `nx-edge: rollout of ${versionId.slice(0, 8)} at ${c.percentage} %`), {
    cwd: c.bundleDir,
    onOutput: deps.stream ? (chunk) => deps.stream!(chunk) : undefined,
  });
  if (result.code !== 0) {
    const after = await c.liveVersion();
    fail(`wrangler versions deploy failed for ${worker}: ${wranglerErrorSummary(result)}`, {
      versionId,
      previewUrl,
      ...(after.known ? { live: after.version === c.previousVersion ? 'previous' : after.version ? 'new' : 'none', liveVersion: after.version } : {}),
    });
  }
  const record: DeploymentRecord = {
    ...c.base,
    time: c.now().toISOString(),
    result: 'rolling-out',
    versionId,
    url,
    previewUrl,
    percentage: c.percentage,
    stableVersion: c.previousVersion,
  };
  appendDeploymentRecord(input.historyFile, record);
  deps.log(summaryLine(record));
  deps.log(`    when it looks good: npx nx-edge promote ${where}    to undo: npx nx-edge rollback ${where}`);
  return { record };
}
