import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import type { DeployProgress, InterruptedDeploy } from '../../deploy/interrupted-deploy';
import { ensurePrivateDir, openPrivateAppend, stateDir } from '../../utils/private-state';
import { join, relative } from 'node:path';
import { readWorkspaceWorkers } from '../../config/workspace-workers';
import type { ExecutorContext } from '@nx/devkit';
import { findWranglerConfig } from '../../config/wrangler-config';
import { appendDeploymentRecord, historyFile, leaveHistoryToFinisher, reasonLine, summaryLine, type DeploymentRecord } from '../../deploy/deploy-history';
import { deployOrder, dependentDeploys, runIdOf, type RunTaskGraph } from '../../deploy/deploy-run';
import { deployService, RecordedDeployError } from '../../deploy/deploy-service';
import { missingConfiguration, parentArgv } from '../../deploy/requested-configuration';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { describeError, UserError } from '../../utils/user-error';
import type { DeployExecutorOptions } from './schema';

function gitSha(root: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export default async function deployExecutor(options: DeployExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName;
  if (!project) {
    console.error('The deploy executor needs a project: run it as `nx run <project>:deploy`.');
    return { success: false };
  }
  const projectRoot = context.projectsConfigurations.projects[project].root;
  const targetName = context.targetName ?? 'deploy';
  const graph = context.taskGraph as RunTaskGraph | undefined;
  const runId = graph ? runIdOf(graph, process.ppid) : undefined;
  const file = historyFile(context.root, options.historyFile);
  const dependents = graph ? dependentDeploys(graph, targetName, project) : [];
  const env = options.env || undefined;
  // Ctrl-C (or Nx stopping the run) mid-deploy: wrangler, in our process group, gets the signal too and
  // stops. Nx kills its stopped tasks a few seconds later, too soon to ask the API what is live, so a
  // detached process of ours (interrupted-deploy-main) asks, records it in the history and tells the
  // terminal; this task ends at once.
  const progress: Partial<DeployProgress> = {};
  let interrupted: NodeJS.Signals | undefined;
  let handedOver = false;
  const handOver = () => {
    if (handedOver) return;
    handedOver = true;
    const signal = interrupted ?? 'SIGINT';
    if (options.dryRun || !progress.stage) {
      console.error(`${project}: ${signal} — stopped before anything was uploaded.`);
      process.exit(130);
    }
    handOverInterruptedDeploy({ ...(progress as DeployProgress), workspaceRoot: context.root, project, historyFile: file, runId, gitSha: gitSha(context.root), signal });
    console.error(`${project}: ${signal} — stopped; nx-edge asks the API what is live, records it (npx nx-edge history --last-run) and prints it here.`);
    // At once: the rest of this deploy must not record a second, half-known result, and the finisher must
    // not be this process's child when Nx looks for what to kill.
    process.exit(130);
  };
  // Once interrupted, this task never ends by returning: it ends when it has handed over (see handOver).
  const untilHandedOver = () => new Promise<never>(() => undefined);
  const onSignal = (signal: NodeJS.Signals) => {
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    interrupted ??= signal;
    leaveHistoryToFinisher();
    // A terminal's Ctrl-C reaches this task and Nx at once; Nx then lists the task's processes and sends
    // SIGTERM to them. The finisher starts after that SIGTERM (or a moment later without Nx), so it is not on
    // Nx's list.
    if (signal === 'SIGTERM' || signal === 'SIGHUP') handOver();
    else setTimeout(handOver, 1000);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    // An option the run cannot honour is refused before anything runs, and leaves no history record.
    if (options.percentage !== undefined && (!Number.isInteger(options.percentage) || options.percentage < 1 || options.percentage > 99)) {
      throw new OptionRefusedError(
        `--percentage must be a whole number from 1 to 99 (got ${options.percentage}): the share of traffic the new version gets while the live one keeps the rest. A full deploy needs no --percentage. Nothing ran.`,
      );
    }
    // A configuration this project lacks would silently deploy its top level (production) instead.
    if (context.configurationName && !env) {
      throw new OptionRefusedError(
        `${project} has no "${context.configurationName}" configuration for ${targetName}: its wrangler config has no [env.${context.configurationName}] section, so nx-edge will not deploy its top level in its place. Add [env.${context.configurationName}] to ${projectRoot}'s wrangler config, or exclude ${project} from this run.`,
      );
    }
    const configFile = findWranglerConfig(join(context.root, projectRoot));
    if (!configFile) throw new UserError(`${projectRoot} has no wrangler.jsonc, wrangler.json or wrangler.toml to deploy.`);
    // Nx runs a project that lacks the requested configuration without one: that would be its top level.
    const asked = missingConfiguration({ own: context.configurationName, graph, targetName, argv: parentArgv() });
    if (asked && !env) {
      throw new OptionRefusedError(
        `${project} has no "${asked}" configuration for ${targetName}: ${relative(context.root, configFile)} has no [env.${asked}], so Nx started it without a configuration and wrangler would deploy its top level in place of ${asked}. Nothing was uploaded. Add [env.${asked}] to ${relative(context.root, configFile)}, or leave ${project} out of this run (--exclude=${project}).`,
      );
    }
    const layers = graph ? deployOrder(graph, targetName) : [[project]];
    const names = layers.flat();
    // Workers that call each other deploy one after another (see the inferred dependsOn); the first
    // of them says once what a very first deploy of the cycle needs.
    const cycle = (context.projectsConfigurations.projects[project].targets?.[targetName]?.metadata as { serviceCycle?: string[] } | undefined)?.serviceCycle;
    if (cycle?.[0] === project) console.log(cycleNote(cycle, env));
    await deployService(
      {
        workspaceRoot: context.root,
        project,
        projectRoot,
        configFile,
        options: { ...options, env },
        runId,
        order: { position: names.indexOf(project) + 1, total: names.length, names: layers.map((l) => l.join(' + ')) },
        historyFile: file,
        workspaceWorkers: readWorkspaceWorkers(context.root, context.projectsConfigurations.projects),
      },
      {
        runWrangler: createWranglerRunner(context.root),
        log: (line) => console.log(line),
        stream: (chunk) => process.stdout.write(chunk),
        gitSha: () => gitSha(context.root),
        progress,
      },
    );
    if (interrupted) return await untilHandedOver();
    return { success: true };
  } catch (error) {
    // Interrupted: what failed is the interruption; the finisher records what is live.
    if (interrupted) return await untilHandedOver();
    const record: DeploymentRecord | undefined = error instanceof RecordedDeployError ? error.record : undefined;
    const message = describeError(error);
    console.error(message);
    if (error instanceof OptionRefusedError) return { success: false };
    if (!options.dryRun) {
      const failed: DeploymentRecord = record ?? {
        time: new Date().toISOString(),
        runId,
        project,
        worker: project,
        env: env ?? '',
        result: 'failed',
        reason: reasonLine(message),
      };
      if (!record) appendDeploymentRecord(file, failed);
      console.error(summaryLine(failed));
      // Nx will not start these; say so now, and keep it in the history.
      for (const dependent of dependents) {
        const skipped: DeploymentRecord = {
          time: new Date().toISOString(),
          runId,
          project: dependent,
          worker: dependent,
          env: env ?? '',
          result: 'not-deployed',
          reason: `depends on ${project}, which ${failed.result === 'rolled-back' ? 'was rolled back' : 'failed'}`,
        };
        appendDeploymentRecord(file, skipped);
        console.error(summaryLine(skipped));
      }
      if (dependents.length) console.error(`Run \`npx nx-edge history --last-run\` for this run's summary.`);
    }
    return { success: false };
  } finally {
    if (!interrupted) for (const signal of signals) process.off(signal, onSignal);
  }
}

/** Starts the detached process that finishes an interrupted deploy (see interrupted-deploy-main). */
function handOverInterruptedDeploy(ctx: InterruptedDeploy & { workspaceRoot: string }): void {
  const dir = ensurePrivateDir(stateDir(ctx.workspaceRoot, 'tmp'));
  const file = join(dir, `interrupted-deploy-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(ctx), { mode: 0o600 });
  const built = join(__dirname, '..', '..', 'deploy', 'interrupted-deploy-main.js');
  const command = existsSync(built) ? [built] : ['--require', require.resolve('@swc-node/register'), join(__dirname, '..', '..', 'deploy', 'interrupted-deploy-main.ts')];
  // Its own words (if anything goes wrong) stay in a private log beside the hand-over file.
  const log = openPrivateAppend(join(dir, 'interrupted-deploy.log'));
  spawn(process.execPath, [...command, file], { cwd: ctx.workspaceRoot, detached: true, stdio: ['ignore', log, log] }).unref();
}

/** A deploy option or configuration the run cannot honour: refused before anything ran, so nothing is recorded. */
class OptionRefusedError extends UserError {}

/** What a first deploy of Workers that bind each other needs, said by the first of them. */
export function cycleNote(cycle: string[], env: string | undefined): string {
  const list = cycle.length > 2 ? `${cycle.slice(0, -1).join(', ')} and ${cycle.at(-1)}` : cycle.join(' and ');
  const c = env ? ` -c ${env}` : '';
  return (
    `note: ${list} call each other (a service-binding cycle): they deploy one after another, ${cycle.join(' → ')}. ` +
    `On the very first deploy ${cycle[0]} binds Workers that do not exist yet, which Cloudflare refuses: deploy ${cycle[0]} once with those bindings commented out (nx run ${cycle[0]}:deploy${c} --exclude-task-dependencies), then deploy the cycle. Later deploys need nothing special.`
  );
}
