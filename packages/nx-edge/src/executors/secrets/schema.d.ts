export interface SecretsExecutorOptions {
  action?: 'set' | 'list' | 'delete' | 'push';
  key?: string;
  env?: string;
  file?: string;
}
