export interface SecretsExecutorOptions {
  action?: 'set' | 'list' | 'delete' | 'push';
  key?: string;
  /** A third positional word: refused unprinted (a value on argv). */
  extraArgument?: string;
  env?: string;
  file?: string;
}
