import { glob, logger, readJson, updateJson, type Tree } from '@nx/devkit';
import { dirname, join } from 'node:path';
import { parseWranglerConfig, WRANGLER_CONFIG_GLOB } from '../../config/wrangler-config';
import { inferProjectName, isIgnoredConfigPath } from '../../plugins/create-nodes';
import { normalizePluginOptions } from '../../plugins/options';
import { runsWranglerOrVitest, shadowingScripts } from '../../plugins/package-scripts';
import { inWorkspaceGlobs, workspaceGlobs } from '../../plugins/workspace-globs';

export interface ScriptChange {
  file: string;
  script: string;
  from: string;
  to?: string;
}

/**
 * A Worker folder's package.json scripts named like the inferred targets (`dev`, `deploy`, `test`, …)
 * become Nx targets that replace ours (`nx run gateway:dev` would run plain `wrangler dev`, ignoring
 * `--configuration`). Those that only run wrangler or vitest are rewritten to `nx run <project>:<target>`
 * and left out of `nx.includedScripts`, so `npm run dev` and `nx run gateway:dev` both mean the
 * inferred target; others are reported and kept.
 */
export function rewriteWorkerScripts(tree: Tree): { rewritten: ScriptChange[]; kept: ScriptChange[] } {
  const targetNames = Object.values(normalizePluginOptions(undefined));
  const globs = workspaceGlobs(tree.root);
  const rewritten: ScriptChange[] = [];
  const kept: ScriptChange[] = [];
  for (const configFile of glob(tree, [WRANGLER_CONFIG_GLOB])) {
    if (isIgnoredConfigPath(configFile)) continue;
    const root = dirname(configFile);
    const pkgFile = join(root, 'package.json');
    if (!tree.exists(pkgFile)) continue;
    let pkg: { scripts?: Record<string, string>; nx?: { includedScripts?: string[] } };
    try {
      pkg = readJson(tree, pkgFile);
    } catch {
      continue;
    }
    const shadowing = shadowingScripts(pkg, targetNames);
    if (shadowing.length === 0) continue;
    let project = root.split('/').pop()!;
    try {
      project = inferProjectName(join(tree.root, root), parseWranglerConfig(tree.read(configFile, 'utf-8') ?? '', configFile), inWorkspaceGlobs(root, globs)).name;
    } catch {
      // a config that does not parse: the folder name, as Nx would show it
    }
    const handOver = shadowing.filter((s) => runsWranglerOrVitest(s.command));
    for (const s of shadowing) if (!handOver.includes(s)) kept.push({ file: pkgFile, script: s.script, from: s.command });
    if (handOver.length === 0) continue;
    updateJson(tree, pkgFile, (json) => {
      const names = handOver.map((s) => s.script);
      for (const s of handOver) {
        json.scripts[s.script] = `nx run ${project}:${s.script}`;
        rewritten.push({ file: pkgFile, script: s.script, from: s.command, to: json.scripts[s.script] });
      }
      const included: string[] = json.nx?.includedScripts ?? Object.keys(json.scripts);
      json.nx = { ...json.nx, includedScripts: included.filter((s) => !names.includes(s)) };
      return json;
    });
  }
  for (const c of rewritten) logger.info(`nx-edge: ${c.file}: "${c.script}": "${c.from}" → "${c.to}" (the inferred ${c.script} target applies; kept out of nx.includedScripts)`);
  for (const c of kept) logger.warn(`nx-edge: ${c.file}: "${c.script}": "${c.from}" still replaces the inferred ${c.script} target (it runs more than wrangler/vitest); rename it, or list the others in nx.includedScripts.`);
  return { rewritten, kept };
}
