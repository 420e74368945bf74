/** A Worker's dev target: the inferred one (nx:run-commands running `nx-edge dev`) or the executor. */
export const DEV_EXECUTOR = '@aero/nx-edge:dev';

const DEV_COMMAND = /(^|[\s/"'])nx-edge(\.js)?["']? dev(\s|$)/;

export function isDevTarget(target: { executor?: string; options?: object }): boolean {
  if (target.executor === DEV_EXECUTOR) return true;
  const command = (target.options as { command?: unknown } | undefined)?.command;
  return target.executor === 'nx:run-commands' && typeof command === 'string' && DEV_COMMAND.test(command);
}

/** Part of the line a dev task prints once its Worker is healthy (`api is ready: http://api.localhost:7080 (proxy)`): Nx's readiness (`readyWhen.logMatches`). */
export const DEV_READY_MARK = ' is ready: http';
