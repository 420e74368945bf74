export interface BackupExecutorOptions {
  env?: string;
  keep?: number;
  dir?: string;
}
