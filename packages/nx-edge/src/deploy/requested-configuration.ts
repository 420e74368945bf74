import { readFileSync } from 'node:fs';
import type { RunTaskGraph } from './deploy-run';

/**
 * Nx runs a target without a configuration when the project lacks the one asked for
 * (`nx run-many -t deploy -c staging` over a Worker without [env.staging]), and wrangler would then
 * deploy that Worker's top level — usually production. These helpers find out what was asked for.
 */

/** `-c staging`, `-c=staging`, `--configuration staging`, `--configuration=staging` in an argv. */
export function configurationFromArgv(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    const inline = /^(?:-c|--configuration)=(.+)$/.exec(arg);
    if (inline) return inline[1];
    if ((arg === '-c' || arg === '--configuration') && argv[i + 1] && !argv[i + 1].startsWith('-')) return argv[i + 1];
  }
  return undefined;
}

/**
 * The command line of the Nx process that forked this executor: only when Nx forked it (else the
 * parent may be a shell whose own `-c` means something else), and only on Linux (/proc); otherwise
 * undefined, and only the task graph tells.
 */
export function parentArgv(parentPid: number = process.ppid, environment: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (!environment.NX_FORKED_TASK_EXECUTOR) return undefined;
  try {
    const argv = readFileSync(`/proc/${parentPid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const nxAt = argv.findIndex((arg) => /(^|[/\\])nx(\.js)?$/.test(arg));
    return nxAt >= 0 ? argv.slice(nxAt + 1) : undefined;
  } catch {
    return undefined;
  }
}

/** The configuration other tasks of `targetName` run with in this Nx run, if any. */
export function configurationOfRun(graph: RunTaskGraph | undefined, targetName: string): string | undefined {
  if (!graph) return undefined;
  return Object.values(graph.tasks).find((t) => t.target.target === targetName && t.target.configuration)?.target.configuration;
}

/** The configuration this run asked for, when this task got none; undefined when nothing was asked. */
export function missingConfiguration(input: { own?: string; graph?: RunTaskGraph; targetName: string; argv?: string[] }): string | undefined {
  if (input.own) return undefined;
  return (input.argv ? configurationFromArgv(input.argv) : undefined) ?? configurationOfRun(input.graph, input.targetName);
}
