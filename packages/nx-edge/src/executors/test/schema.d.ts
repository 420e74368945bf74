export interface TestExecutorOptions {
  watch?: boolean;
  coverage?: boolean;
  testNamePattern?: string;
  config?: string;
  passWithNoTests?: boolean;
  /** Anything else is passed to vitest as --key=value. */
  [flag: string]: unknown;
}
