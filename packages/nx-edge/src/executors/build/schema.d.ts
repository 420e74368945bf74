export interface BuildExecutorOptions {
  outputPath?: string;
  minify?: boolean;
  sourcemap?: boolean;
  sizeBudget?: string | number;
}

export interface NormalizedBuildOptions {
  projectName: string;
  projectRoot: string;
  configFile: string;
  outDir: string;
  minify: boolean;
  sourcemap: boolean;
  sizeBudgetBytes: number;
}
