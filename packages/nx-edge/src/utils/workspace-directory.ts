import { isAbsolute, posix, relative, resolve } from 'node:path';
import { UserError } from './user-error';

/**
 * A generator's --directory as a workspace-relative path (forward slashes, no trailing slash), refusing
 * anything that would land outside the workspace: `../x`, `a/../../x`, or an absolute path elsewhere. An
 * absolute path inside the workspace is accepted and made relative.
 */
export function workspaceDirectory(workspaceRoot: string, directory: string, option = '--directory'): string {
  const given = directory.replace(/\\/g, '/');
  const absolute = isAbsolute(given) ? resolve(given) : resolve(workspaceRoot, given);
  const inside = relative(resolve(workspaceRoot), absolute).replace(/\\/g, '/');
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new UserError(
      `${option}=${directory} is ${inside === '' ? 'the workspace root itself' : 'outside the workspace'} (${resolve(workspaceRoot)}): generators write only inside the workspace. Give a folder under it, e.g. ${option}=apps/<name>.`,
    );
  }
  return posix.normalize(inside).replace(/\/+$/, '');
}
