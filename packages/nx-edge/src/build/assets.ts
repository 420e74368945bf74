import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../utils/user-error';
import type { WranglerConfig } from '../config/wrangler-config';

type AssetsConfig = { directory?: string; binding?: string; [key: string]: unknown };

/** Where a section's static assets land in the build output: `assets/` (top level), `assets-<env>/` (an env's own). */
const outName = (env?: string) => (env ? `assets-${env}` : 'assets');

/**
 * Copies each `assets.directory` (top level, and an env's own when it differs) next to the bundle, so
 * `dist/<project>` is deployable on its own; returns the config with the directories pointing there.
 */
export function copyAssets(config: WranglerConfig, projectDir: string, outDir: string, configLabel: string): WranglerConfig {
  const copy = (assets: AssetsConfig | undefined, env?: string): AssetsConfig | undefined => {
    if (!assets || typeof assets.directory !== 'string') return assets;
    const source = resolve(projectDir, assets.directory);
    if (!existsSync(source)) {
      throw new UserError(`${configLabel}: ${env ? `env.${env}.` : ''}assets.directory "${assets.directory}" does not exist (${source}). Create it, build it first (add the step that writes it to the build's dependsOn), or fix the path.`);
    }
    const target = join(outDir, outName(env));
    rmSync(target, { recursive: true, force: true });
    cpSync(source, target, { recursive: true });
    return { ...assets, directory: `./${outName(env)}` };
  };
  const { env, ...top } = config;
  const topAssets = top.assets as AssetsConfig | undefined;
  const result: WranglerConfig = { ...top, ...(topAssets ? { assets: copy(topAssets) } : {}) };
  if (env) {
    result.env = Object.fromEntries(
      Object.entries(env).map(([name, section]) => {
        const own = section.assets as AssetsConfig | undefined;
        if (!own) return [name, section];
        // The same folder as the top level: share its copy.
        if (topAssets && own.directory === topAssets.directory) return [name, { ...section, assets: { ...own, directory: `./${outName()}` } }];
        return [name, { ...section, assets: copy(own, name) }];
      }),
    );
  }
  return result;
}
