export interface ProvisionExecutorOptions {
  env?: string;
  dryRun?: boolean;
}
