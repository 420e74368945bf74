import { join } from 'node:path';
import { formatLogLine, shouldColour } from '../../logs/log-line';
import type { Command } from 'commander';
import { DEV_LOG_RELATIVE_PATH, followLogFile, parseSince, readLogFile, type LogsCommandOptions } from '../../logs/log-reader';
import { isLogLevel } from '../../logs/log-line';
import { collectList, parseCommandLine } from '../options';
import type { LogRecord } from '../../logs/log-record';
import { describeError, isUserError, UserError } from '../../utils/user-error';

export const description = 'Show the dev logs of this workspace (from .nx-edge/logs/dev.jsonl), filtered';
export const usage = '[--service <name>[,<name>]] [--level debug|info|warn|error] [--trace <trace id>] [--since 5m|<ISO time>] [--until …] [--follow] [--json]';
export const examples = ['nx-edge logs --service api --level warn', 'nx-edge logs --trace 4bf92f3577b34da6a3ce929d0e0e4736', 'nx-edge logs --since 5m --follow'];

export function define(command: Command): void {
  command
    .option('-s, --service <name>', 'only these services (repeatable, comma-separated)', collectList)
    .option('-l, --level <level>', 'the lowest level shown: debug, info, warn or error')
    .option('-t, --trace <trace id>', 'only one trace')
    .option('--since <5m|ISO time>', 'only lines from then on')
    .option('--until <5m|ISO time>', 'only lines until then')
    .option('-f, --follow', 'keep printing new lines')
    .option('--json', 'one JSON record per line');
}

export function parseLogsArgs(args: string[], now = Date.now()): LogsCommandOptions {
  const { options } = parseCommandLine<{ service?: string[]; level?: string; trace?: string; since?: string; until?: string; follow?: boolean; json?: boolean }>('logs', { description, usage, define }, args);
  const out: LogsCommandOptions = { filter: {}, follow: options.follow ?? false, json: options.json ?? false };
  const nonEmpty = (flag: string, value: string | undefined) => {
    if (value === '') throw new UserError(`${flag} needs a value (see nx-edge logs --help)`);
    return value;
  };
  if (options.service?.length) out.filter.service = options.service;
  const level = nonEmpty('--level', options.level);
  if (level !== undefined) {
    if (!isLogLevel(level)) throw new UserError(`--level "${level}" is not one of debug, info, warn, error`);
    out.filter.level = level;
  }
  const trace = nonEmpty('--trace', options.trace);
  if (trace !== undefined) out.filter.trace = trace;
  const since = nonEmpty('--since', options.since);
  if (since !== undefined) out.filter.since = parseSince(since, now);
  const until = nonEmpty('--until', options.until);
  if (until !== undefined) out.filter.until = parseSince(until, now);
  return out;
}

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
