import { unknownOption } from '../options';
import { join } from 'node:path';
import { DEPLOY_HISTORY_RELATIVE_PATH, filterRecords, formatHistoryTable, readDeploymentRecords, summaryLine, type HistoryFilter } from '../../deploy/deploy-history';
import { UserError } from '../../utils/user-error';
import { eachOption } from '../options';

export const description = 'List the deployments nx-edge made from this workspace (.nx-edge/deployments.jsonl)';
export const usage = 'nx-edge history [--env <name>] [--service <project>] [--limit <n>] [--last-run] [--json] [--file <path>]';

export function parseHistoryArgs(args: string[]): HistoryFilter & { json: boolean; file?: string } {
  const out: HistoryFilter & { json: boolean; file?: string } = { json: false, limit: 20 };
  eachOption(args, usage, (flag, value, typed) => {
    switch (flag) {
      case '--env':
        out.env = value();
        break;
      case '--service':
      case '--project':
        out.project = value();
        break;
      case '--limit': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UserError(`--limit must be a positive whole number. Usage: ${usage}`);
        out.limit = n;
        break;
      }
      case '--all':
        out.limit = undefined;
        break;
      case '--last-run':
        out.lastRun = true;
        out.limit = undefined;
        break;
      case '--json':
        out.json = true;
        break;
      case '--file':
        out.file = value();
        break;
      default:
        throw new UserError(`${unknownOption(typed)} Usage: ${usage}`);
    }
  });
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
