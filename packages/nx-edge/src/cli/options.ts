import { UserError } from '../utils/user-error';

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
