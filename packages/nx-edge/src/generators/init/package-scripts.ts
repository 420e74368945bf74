import { glob, logger, readJson, updateJson, type Tree } from '@nx/devkit';
import { basename, dirname, join } from 'node:path';
import { parseWranglerConfig, WRANGLER_CONFIG_GLOB, type WranglerConfig } from '../../config/wrangler-config';
import { isIgnoredConfigPath } from '../../config/config-file';
import { inferProjectName } from '../../config/project-name';
import { templatePlaceholder } from '../../config/template-config';
import { normalizePluginOptions } from '../../plugins/options';
import { scriptHandOver, shadowingScripts } from '../../plugins/package-scripts';
import { inWorkspaceGlobs, workspaceGlobsFrom } from '../../plugins/workspace-globs';

/** What this file reads of a package.json and project.json. */
type TargetsJson = { targets?: Record<string, { options?: Record<string, unknown> }> };
type ScriptsPackageJson = { scripts?: Record<string, string>; nx?: TargetsJson & { includedScripts?: string[] } };

export interface ScriptChange {
  file: string;
  script: string;
  from: string;
  to?: string;
  /** Handed over: the flags carried into target options. Kept: why. */
  detail: string;
}

/**
 * A Worker folder's package.json scripts named like the inferred targets (`dev`, `deploy`, `test`, …)
 * become Nx targets that replace ours. A script is handed over — rewritten to `nx run <project>:<target>`,
 * left out of `nx.includedScripts`, its flags carried into the target's options — only when the inferred
 * target does exactly what it did (see scriptHandOver). Every other script stays the target, as the
 * team's pipeline, and is reported with the reason. Template folders and folders Nx does not see as
 * packages (outside the workspace globs, where scripts replace nothing) are never touched.
 */
export function rewriteWorkerScripts(tree: Tree): { rewritten: ScriptChange[]; kept: ScriptChange[] } {
  const targetNames = Object.values(normalizePluginOptions(undefined));
  const globs = workspaceGlobsFrom((file) => (tree.exists(file) ? (tree.read(file, 'utf-8') ?? undefined) : undefined));
  const rewritten: ScriptChange[] = [];
  const kept: ScriptChange[] = [];
  const mirrored: ScriptChange[] = [];
  for (const configFile of glob(tree, [WRANGLER_CONFIG_GLOB])) {
    if (isIgnoredConfigPath(configFile)) continue;
    const root = dirname(configFile);
    const pkgFile = join(root, 'package.json');
    // Nx makes targets of a package.json's scripts only inside the workspace globs or next to a project.json.
    if (!tree.exists(pkgFile) || !(inWorkspaceGlobs(root, globs) || tree.exists(join(root, 'project.json')))) continue;
    const configText = tree.read(configFile, 'utf-8') ?? '';
    if (templatePlaceholder(configText, configFile)) continue;
    let pkg: ScriptsPackageJson;
    try {
      pkg = readJson<ScriptsPackageJson>(tree, pkgFile);
    } catch {
      continue;
    }
    const shadowing = shadowingScripts(pkg, targetNames);
    if (shadowing.length === 0) continue;
    const projectJsonFile = join(root, 'project.json');
    const jsons = { projectJson: tree.exists(projectJsonFile) ? readJson<Record<string, unknown>>(tree, projectJsonFile) : undefined, packageJson: pkg as Record<string, unknown> };
    let config: WranglerConfig = {};
    try {
      config = parseWranglerConfig(configText, configFile);
    } catch {
      // a config that does not parse: named as Nx names it anyway (project.json, package.json, folder)
    }
    const project = inferProjectName(join(tree.root, root), config, inWorkspaceGlobs(root, globs), jsons).name;
    const plans = shadowing.map((s) => ({ ...s, plan: scriptHandOver(s.script, s.command, basename(configFile)) }));
    for (const s of plans) {
      if (!s.plan.handOver) kept.push({ file: pkgFile, script: s.script, from: s.command, detail: s.plan.reason });
    }
    const handOver = plans.filter((s) => s.plan.handOver);
    // A kept pipeline that minifies (`… && wrangler deploy --minify`): the inferred build mirrors it, so
    // what nx-edge builds (for dev, tests, its own deploy) is what the team ships.
    const minifiedPipeline = plans.find((s) => !s.plan.handOver && /(^|[\s;&|(])wrangler\s+deploy\b[^;&|]*\s--minify\b/.test(s.command));
    if (handOver.length === 0 && !minifiedPipeline) continue;
    const projectJson = join(root, 'project.json');
    // Target options live where the project's own configuration is: project.json, or package.json's "nx".
    const setOptions = (json: TargetsJson, target: string, options: Record<string, unknown>) => {
      if (Object.keys(options).length === 0) return;
      json.targets ??= {};
      json.targets[target] = { ...json.targets[target], options: { ...json.targets[target]?.options, ...options } };
    };
    if (minifiedPipeline) mirrored.push({ file: pkgFile, script: minifiedPipeline.script, from: minifiedPipeline.command, detail: 'build option minify: true' });
    updateJson<ScriptsPackageJson & { scripts: Record<string, string> }>(tree, pkgFile, (json) => {
      const names = handOver.map((s) => s.script);
      for (const s of handOver) {
        if (!s.plan.handOver) continue;
        json.scripts[s.script] = `nx run ${project}:${s.script}`;
        rewritten.push({ file: pkgFile, script: s.script, from: s.command, to: json.scripts[s.script], detail: s.plan.mapped.join(', ') });
      }
      if (names.length) {
        const included: string[] = json.nx?.includedScripts ?? Object.keys(json.scripts);
        json.nx = { ...json.nx, includedScripts: included.filter((s) => !names.includes(s)) };
      }
      json.nx ??= {};
      if (!tree.exists(projectJson)) {
        if (minifiedPipeline) setOptions(json.nx, 'build', { minify: true });
        for (const s of handOver) {
          if (!s.plan.handOver) continue;
          setOptions(json.nx, s.plan.target, s.plan.options);
          setOptions(json.nx, 'build', s.plan.buildOptions);
        }
      }
      return json;
    });
    if (tree.exists(projectJson)) {
      updateJson<TargetsJson>(tree, projectJson, (json) => {
        if (minifiedPipeline) setOptions(json, 'build', { minify: true });
        for (const s of handOver) {
          if (!s.plan.handOver) continue;
          setOptions(json, s.plan.target, s.plan.options);
          setOptions(json, 'build', s.plan.buildOptions);
        }
        return json;
      });
    }
  }
  for (const c of rewritten) {
    logger.info(`nx-edge: ${c.file}: "${c.script}": "${c.from}" → "${c.to}" (the inferred ${c.script} target does the same${c.detail ? `; ${c.detail}` : ''}; kept out of nx.includedScripts)`);
  }
  for (const c of mirrored) logger.info(`nx-edge: ${c.file}: the inferred build minifies, as "${c.script}" ("${c.from}") does (${c.detail})`);
  for (const c of kept) logger.info(`nx-edge: ${c.file}: "${c.script}": "${c.from}" kept as the ${c.script} target: ${c.detail}. nx run <project>:${c.script} runs your script, not nx-edge's inferred ${c.script}.`);
  return { rewritten, kept };
}
