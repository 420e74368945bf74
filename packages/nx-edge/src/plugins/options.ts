export interface NxEdgePluginOptions {
  buildTargetName?: string;
  devTargetName?: string;
  testTargetName?: string;
  deployTargetName?: string;
  secretsTargetName?: string;
  provisionTargetName?: string;
}

export type NormalizedPluginOptions = Required<NxEdgePluginOptions>;

export function normalizePluginOptions(options: NxEdgePluginOptions | undefined): NormalizedPluginOptions {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    devTargetName: options?.devTargetName ?? 'dev',
    testTargetName: options?.testTargetName ?? 'test',
    deployTargetName: options?.deployTargetName ?? 'deploy',
    secretsTargetName: options?.secretsTargetName ?? 'secrets',
    provisionTargetName: options?.provisionTargetName ?? 'provision',
  };
}
