import { join } from 'node:path';
import { formatLogLine, shouldColour } from '../../logs/log-line';
import { DEV_LOG_RELATIVE_PATH, followLogFile, parseLogsArgs, readLogFile } from '../../logs/log-reader';
import type { LogRecord } from '../../logs/log-record';
import { describeError, isUserError } from '../../utils/user-error';

export const description = 'Show the dev logs of this workspace (from .nx-edge/logs/dev.jsonl), filtered';
export const usage = 'nx-edge logs [--service <name>[,<name>]] [--level debug|info|warn|error] [--trace <trace id>] [--since 5m|<ISO time>] [--until …] [--follow] [--json]';

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  let options;
  try {
    options = parseLogsArgs(args);
  } catch (error) {
    process.stderr.write(describeError(error) + '\n');
    return isUserError(error) ? 1 : 2;
  }
  const path = join(ctx.cwd, DEV_LOG_RELATIVE_PATH);
  const colour = !options.json && shouldColour();
  const print = (r: LogRecord) => process.stdout.write((options.json ? JSON.stringify(r) : formatLogLine(r, { color: colour })) + '\n');
  const records = readLogFile(path, options.filter);
  if (records.length === 0 && !options.follow) {
    process.stderr.write(`no log lines match in ${path}${options.filter.service ? '' : ' (is `nx run-many -t dev` running or has it run here?)'}\n`);
  }
  records.forEach(print);
  if (!options.follow) return 0;
  const { since: _since, ...live } = options.filter;
  const stop = followLogFile(path, live, print);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  stop();
  return 0;
}
