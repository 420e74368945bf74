import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { missingInEnv } from '../deploy/env-checks';
import { describeError } from '../utils/user-error';
import { findIsolationProblems, type WorkspaceWorker } from './env-isolation';
import { deployedWorkerName } from './env-names';
import { environmentNames, parseWranglerConfig, type WranglerConfig } from './wrangler-config';

export type WorkerProblemKind = 'unparsable-config' | 'missing-main' | 'duplicate-name' | 'env-missing-binding' | 'env-isolation' | 'script-shadows-target';

export interface WorkerProblem {
  kind: WorkerProblemKind;
  project?: string;
  /** Workspace-relative file the problem is in. */
  file?: string;
  message: string;
}

/** A project whose root holds a wrangler config. */
export interface WorkerProjectFile {
  project: string;
  /** Absolute path of its wrangler config. */
  configFile: string;
}

/**
 * What would make build, dev or deploy fail or misbehave, across every Worker of the workspace, found
 * without running anything: configs that do not parse, a missing or absent `main`, two Workers deployed
 * under one name (per env), an env that lacks a binding the top level has, and an env reaching another
 * env's Workers or data.
 */
export function validateWorkers(workspaceRoot: string, files: WorkerProjectFile[]): WorkerProblem[] {
  const problems: WorkerProblem[] = [];
  const parsed: { project: string; file: string; text: string; config: WranglerConfig }[] = [];
  for (const { project, configFile } of files) {
    const file = relative(workspaceRoot, configFile);
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
      parsed.push({ project, file, text, config: parseWranglerConfig(text, file) });
    } catch (error) {
      problems.push({ kind: 'unparsable-config', project, file, message: describeError(error) });
    }
  }
  for (const { project, file, config } of parsed) {
    for (const env of ['', ...environmentNames(config)]) {
      const main = env ? (config.env?.[env]?.main ?? config.main) : config.main;
      const where = env ? ` (env ${env})` : '';
      if (!main) {
        problems.push({ kind: 'missing-main', project, file, message: `${file}: "main" is missing${where}; set it to the Worker's entry module, e.g. "src/index.ts".` });
        break;
      }
      if (!existsSync(join(dirname(join(workspaceRoot, file)), main))) {
        problems.push({ kind: 'missing-main', project, file, message: `${file}: "main" is "${main}"${where}, which does not exist next to the config. Fix the path or create the file.` });
        break;
      }
    }
    for (const env of environmentNames(config)) {
      for (const p of missingInEnv(config, env)) problems.push({ kind: 'env-missing-binding', project, file, message: `${file}: ${p.message}` });
    }
  }
  // Deployed names are account-wide: two sections deployed under one name overwrite each other.
  const names = new Map<string, string[]>();
  for (const { project, config } of parsed) {
    for (const env of ['', ...environmentNames(config)]) {
      const name = deployedWorkerName(config, env || undefined);
      if (name) names.set(name, [...(names.get(name) ?? []), env ? `${project} [env.${env}]` : project]);
    }
  }
  for (const [name, owners] of names) {
    if (owners.length < 2) continue;
    problems.push({
      kind: 'duplicate-name',
      message: `Worker name "${name}" is used by ${owners.join(' and ')}: they would deploy over each other and dev cannot host both. Give each its own "name" in its wrangler config.`,
    });
  }
  const workers: WorkspaceWorker[] = parsed.map(({ project, config }) => ({ project, config }));
  for (const { project, file, text, config } of parsed) {
    for (const p of findIsolationProblems(config, file, text, workers)) problems.push({ kind: 'env-isolation', project, file, message: p.message });
  }
  return problems;
}
