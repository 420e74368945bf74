import { UserError } from '../utils/user-error';

/**
 * An unknown option, named without its value: what follows `=` may be a secret typed in the wrong place
 * (`nx-edge restore --key=…`), so it is never printed back.
 */
export function unknownOption(typed: string): string {
  const flag = typed.startsWith('-') ? typed.split('=')[0] : '';
  if (/key|secret|token|password/i.test(flag)) {
    return `${flag}${typed.includes('=') ? '=…' : ''} is refused: nx-edge never takes a key or secret as an option (argv is visible to every local user and lands in shell history; the value was not printed). Set NX_EDGE_BACKUP_KEY in the environment for backups, pipe secret values through stdin.`;
  }
  return flag ? `unknown option "${flag}${typed.includes('=') ? '=…' : ''}".` : `unexpected argument (not shown, in case it holds a value).`;
}

/**
 * Walks `--flag value` / `--flag=value` arguments: `handle` gets each flag, a `value()` that takes its
 * value (an error naming the flag and the usage when there is none) and the argument as typed.
 */
export function eachOption(args: string[], usage: string, handle: (flag: string, value: () => string, typed: string) => void): void {
  for (let i = 0; i < args.length; i++) {
    const typed = args[i];
    const [flag, inline] = typed.split(/=(.*)/s, 2);
    handle(
      flag,
      () => {
        const v = inline ?? args[++i];
        if (v === undefined) throw new UserError(`${flag} needs a value. Usage: ${usage}`);
        return v;
      },
      typed,
    );
  }
}

/** `<project> [-c <env>]`, as promote and rollback take them. */
export function parseProjectEnvArgs(args: string[], usage: string): { project: string; env: string } {
  let project = '';
  let env = '';
  eachOption(args, usage, (flag, value, typed) => {
    if (flag === '-c' || flag === '--configuration' || flag === '--env') env = value();
    else if (!flag.startsWith('-') && !project) project = typed;
    else throw new UserError(`${unknownOption(typed)} Usage: ${usage}`);
  });
  if (!project) throw new UserError(`name the project. Usage: ${usage}`);
  return { project, env };
}

/** `-c/--configuration/--env <env>` and `--projects a,b`, as monitor and tail take them: true when `flag` was one of them. */
export function selectionOption(flag: string, value: () => string, out: { env: string; projects?: string[] }): boolean {
  if (flag === '-c' || flag === '--configuration' || flag === '--env') out.env = value();
  else if (flag === '--projects') out.projects = value().split(',').map((p) => p.trim()).filter(Boolean);
  else return false;
  return true;
}
