export interface ProvisionExecutorOptions {
  env?: string;
  dryRun?: boolean;
  /** Delete the env's resources (after a plan and a confirmation). */
  destroy?: boolean;
  /** With destroy: confirm without asking. */
  yes?: boolean;
  /** BINDING=<name or id>[,…]: adopt existing resources. */
  import?: string;
}
