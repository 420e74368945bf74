import { join } from 'node:path';
import { DEPLOY_HISTORY_RELATIVE_PATH, filterRecords, formatHistoryTable, readDeploymentRecords, summaryLine, type HistoryFilter } from '../../deploy/deploy-history';
import { UserError } from '../../utils/user-error';
import { Option, type Command } from 'commander';
import { parseCommandLine } from '../options';

export const description = 'List the deployments nx-edge made from this workspace (.nx-edge/deployments.jsonl)';
export const usage = '[--env <name>] [--service <project>] [--limit <n>] [--all] [--last-run] [--json] [--file <path>]';
export const examples = ['nx-edge history --env staging --limit 5', 'nx-edge history --last-run', 'nx-edge history --service api --json'];

export function define(command: Command): void {
  command
    .option('--env <name>', 'only deployments of this env')
    .option('--service <project>', 'only deployments of this project')
    .addOption(new Option('--project <project>', 'the same as --service').hideHelp())
    .option('--limit <n>', 'the newest n (default 20)')
    .option('--all', 'every recorded deployment')
    .option('--last-run', 'the deployments of the last deploy run')
    .option('--json', 'one JSON record per line')
    .option('--file <path>', 'another history file (default .nx-edge/deployments.jsonl)');
}

export function parseHistoryArgs(args: string[]): HistoryFilter & { json: boolean; file?: string } {
  const { options } = parseCommandLine<{ env?: string; service?: string; project?: string; limit?: string; all?: boolean; lastRun?: boolean; json?: boolean; file?: string }>('history', { description, usage, define }, args);
  const out: HistoryFilter & { json: boolean; file?: string } = { json: options.json ?? false, limit: 20 };
  if (options.env !== undefined) out.env = options.env;
  if ((options.service ?? options.project) !== undefined) out.project = options.service ?? options.project;
  if (options.limit !== undefined) {
    const n = Number(options.limit);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--limit must be a positive whole number. Usage: nx-edge history ${usage}`);
    out.limit = n;
  }
  if (options.all) out.limit = undefined;
  if (options.lastRun) {
    out.lastRun = true;
    out.limit = undefined;
  }
  if (options.file !== undefined) out.file = options.file;
  return out;
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const options = parseHistoryArgs(args);
  const file = join(ctx.cwd, options.file ?? DEPLOY_HISTORY_RELATIVE_PATH);
  const records = filterRecords(readDeploymentRecords(file), options);
  if (options.json) {
    for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  if (records.length === 0) {
    process.stdout.write(`no deployments recorded in ${file}${options.env || options.project ? ' that match' : ''} (nx run <project>:deploy records them).\n`);
    return 0;
  }
  if (options.lastRun) {
    process.stdout.write(`last deploy run (${records[0].time}):\n${records.map((r) => `  ${summaryLine(r)}`).join('\n')}\n`);
    return 0;
  }
  process.stdout.write(`${formatHistoryTable(records)}\n`);
  return 0;
}
