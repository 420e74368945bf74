export type WorkerFramework = 'none' | 'hono' | 'express' | 'fastify' | 'nestjs';

export interface FunctionGeneratorSchema {
  name: string;
  directory?: string;
  configFormat?: 'jsonc' | 'toml';
  /** Comma-separated wrangler environments, e.g. "staging,production". */
  envs?: string;
  framework?: WorkerFramework;
  tags?: string;
  skipFormat?: boolean;
  skipPackageJson?: boolean;
}

export interface NormalizedFunctionOptions {
  name: string;
  projectRoot: string;
  configFormat: 'jsonc' | 'toml';
  framework: WorkerFramework;
  tags: string[];
  compatibilityDate: string;
  offsetFromRoot: string;
  envs: string[];
}
