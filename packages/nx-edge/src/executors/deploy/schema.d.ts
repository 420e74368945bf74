export interface DeployExecutorOptions {
  env?: string;
  dryRun?: boolean;
  dispatchNamespace?: string;
  requiredSecrets?: string[];
  healthCheckPath?: string | false;
  healthCheckBaseUrl?: string;
  healthCheckAttempts?: number;
  healthCheckIntervalMs?: number;
  healthCheckTimeoutMs?: number;
  bundleDir?: string;
  message?: string;
  percentage?: number;
  historyFile?: string;
}
