import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NxEdgePluginOptions {
  buildTargetName?: string;
  typesTargetName?: string;
  devTargetName?: string;
  testTargetName?: string;
  deployTargetName?: string;
  secretsTargetName?: string;
  provisionTargetName?: string;
  backupTargetName?: string;
}

export type NormalizedPluginOptions = Required<NxEdgePluginOptions>;

export function normalizePluginOptions(options: NxEdgePluginOptions | undefined): NormalizedPluginOptions {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    typesTargetName: options?.typesTargetName ?? 'types',
    devTargetName: options?.devTargetName ?? 'dev',
    testTargetName: options?.testTargetName ?? 'test',
    deployTargetName: options?.deployTargetName ?? 'deploy',
    secretsTargetName: options?.secretsTargetName ?? 'secrets',
    provisionTargetName: options?.provisionTargetName ?? 'provision',
    backupTargetName: options?.backupTargetName ?? 'backup',
  };
}

/** The options the workspace registered the plugin with in nx.json (renamed targets), if any. */
export function pluginOptionsOf(workspaceRoot: string): NxEdgePluginOptions | undefined {
  try {
    const plugins = (JSON.parse(readFileSync(join(workspaceRoot, 'nx.json'), 'utf8')) as { plugins?: (string | { plugin: string; options?: NxEdgePluginOptions })[] }).plugins ?? [];
    const entry = plugins.find((p) => typeof p !== 'string' && p.plugin === '@aero/nx-edge');
    return typeof entry === 'object' ? entry.options : undefined;
  } catch {
    return undefined;
  }
}
