// Types only: this runs in Nx's plugin worker before every task run.
import type { PreTasksExecution } from '@nx/devkit';
import { normalizePluginOptions, type NxEdgePluginOptions } from './options';
import { nxVersionNear, releasesWorker, releaseWorkerSoon } from './worker-release';

/** Flags that can only carry a secret value. */
const VALUE_FLAGS = /^(value|secret|secret-value|secretValue|text)$/i;
/** Flags that would carry the backup key (it is read from NX_EDGE_BACKUP_KEY only). */
const BACKUP_KEY_FLAGS = /(^|-|_)key$|^key|password|passphrase|secret/i;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Nx's own flags a secrets/backup run may carry, and which of them take the next word as their value. */
const NX_VALUE_FLAGS = new Set(['c', 'configuration', 'p', 'projects', 'exclude', 'output-style', 'outputStyle', 'parallel', 't', 'target', 'targets', 'base', 'head', 'files', 'runner', 'graph', 'tui', 'tuiAutoExit', 'tui-auto-exit', 'batch', 'nxBail', 'nx-bail']);
const NX_BOOLEAN_FLAGS = new Set(['verbose', 'skip-nx-cache', 'skipNxCache', 'skip-remote-cache', 'skipRemoteCache', 'nx-bail', 'nxBail', 'nx-ignore-cycles', 'nxIgnoreCycles', 'exclude-task-dependencies', 'excludeTaskDependencies', 'skip-sync', 'skipSync', 'uncommitted', 'untracked', 'all', 'batch', 'dry-run', 'dryRun', 'no-interactive', 'interactive', 'tui', 'help']);

interface Flag {
  name: string;
  value?: string;
}

/** The words after the target, split into positional words and flags (`--name=value`, `--name value`, `-c value`, all after `--` positional). */
function splitWords(rest: string[], takesValue: (name: string) => boolean): { positional: string[]; flags: Flag[] } {
  const positional: string[] = [];
  const flags: Flag[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (word === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    const flag = /^--?([^=]+)(?:=([\s\S]*))?$/.exec(word);
    if (!flag || word === '-') {
      positional.push(word);
      continue;
    }
    const name = flag[1].replace(/^no-/, '');
    if (flag[2] !== undefined) flags.push({ name, value: flag[2] });
    else if (takesValue(name) && i + 1 < rest.length && !rest[i + 1].startsWith('-')) flags.push({ name, value: rest[++i] });
    else flags.push({ name });
  }
  return { positional, flags };
}

/** Where the words of a run of `target` start in argv (after `nx run p:target[:c]`, `nx target p`, `-t target`), or -1. */
function targetStart(argv: string[], target: string): number {
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const isTargetSpec = (word: string) => new RegExp(`^[^\\s:]+:${escaped}(:[^:\\s]+)?$`).test(word);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (isTargetSpec(word)) return i + 1; // nx run api:secrets:staging …, nx api:secrets …
    if (word === target && i <= 1 && argv[i + 1] && !argv[i + 1].startsWith('-')) return i + 2; // nx secrets api …
    if (/^(-t|--targets?)$/.test(word) && argv[i + 1]?.split(',').includes(target)) return i + 2; // run-many / affected
    if (/^--targets?=/.test(word) && word.slice(word.indexOf('=') + 1).split(',').includes(target)) return i + 1;
  }
  return -1;
}

function withoutNodeAndNx(rawArgv: string[]): string[] {
  // Nx hands over process.argv: the node binary and Nx's script come first.
  let skip = 0;
  while (skip < rawArgv.length && skip < 2 && /[\\/]/.test(rawArgv[skip]) && /(node|nx)(\.[cm]?js|\.exe)?$/.test(rawArgv[skip])) skip++;
  return rawArgv.slice(skip);
}

/** Whether a run's command line (`nx run p:dev`, `nx dev p`, `nx run-many -t dev,…`, `nx affected --targets=dev`) starts `target`. */
export function runsTarget(rawArgv: string[], target: string): boolean {
  return targetStart(withoutNodeAndNx(rawArgv), target) >= 0;
}

/**
 * The secrets target takes `set KEY` with the value on stdin. A value typed on the command line in any form —
 * `set API_KEY s3cr3t`, `set API_KEY=s3cr3t`, `set "API_KEY s3cr3t"`, `set --key=API_KEY s3cr3t`,
 * `--key=API_KEY=s3cr3t`, `--value=s3cr3t`, `--args="set API_KEY s3cr3t"`, `-- set API_KEY s3cr3t`, an option
 * the target does not take (`--API_KEY=s3cr3t`) — would be printed by Nx (task header, "Argument '…' found")
 * and kept in its cache (.nx/cache/terminalOutputs, run.json) before our executor could refuse it. So it is
 * refused here, before Nx runs or prints anything. The refusal never contains a word of what was typed.
 * The backup target likewise refuses any option carrying its key (read from NX_EDGE_BACKUP_KEY only).
 */
export function secretOnArgvRefusal(rawArgv: string[], secretsTargetName = 'secrets', backupTargetName = 'backup'): string | undefined {
  const argv = withoutNodeAndNx(rawArgv);
  const secretsStart = targetStart(argv, secretsTargetName);
  if (secretsStart >= 0) {
    const refusal = secretsRefusal(argv.slice(secretsStart));
    if (refusal) return refusal;
  }
  const backupStart = targetStart(argv, backupTargetName);
  if (backupStart >= 0) return backupRefusal(argv.slice(backupStart));
  return undefined;
}

const SECRETS_OPTIONS = new Set(['env', 'file', 'key', 'action', 'extraArgument', 'extra-argument']);

function secretsRefusal(rest: string[]): string | undefined {
  const { positional, flags } = splitWords(rest, (name) => NX_VALUE_FLAGS.has(name) || SECRETS_OPTIONS.has(name));
  for (const flag of flags) {
    if (flag.name === 'args') return valueRefusal('--args (its words reach Nx\'s task header and run.json)');
    if (VALUE_FLAGS.test(flag.name)) return valueRefusal(`a --${flag.name} option`);
    if (flag.name === 'extraArgument' || flag.name === 'extra-argument') return valueRefusal('a word after the secret\'s name');
    if (flag.value !== undefined && !SECRETS_OPTIONS.has(flag.name) && !NX_VALUE_FLAGS.has(flag.name) && !NX_BOOLEAN_FLAGS.has(flag.name)) {
      return valueRefusal(`an option the secrets target does not take, with a value`);
    }
  }
  const flagged = (name: string) => flags.find((f) => f.name === name)?.value;
  const action = flagged('action') ?? positional[0];
  const keyFlag = flagged('key');
  const words = positional.slice(flagged('action') === undefined ? 1 : 0);
  const key = keyFlag ?? words[0];
  const extra = keyFlag === undefined ? words.slice(1) : words;
  if (key !== undefined && key.includes('=')) return valueRefusal('"NAME=…" as the secret\'s name');
  if (key !== undefined && !SECRET_NAME.test(key)) {
    return valueRefusal('a secret name that is not a name (letters, digits and _ only; it may hold a value, so it is not shown)');
  }
  if ((action === 'set' || action === 'delete' || action === undefined) && extra.length > 0) return valueRefusal('a word after the secret\'s name');
  if ((action === 'list' || action === 'push') && key !== undefined) return valueRefusal(`a word after "${action}"`);
  if (action !== undefined && !['set', 'list', 'delete', 'push'].includes(action)) {
    return valueRefusal('a first word that is not set, list, delete or push (it is not shown)');
  }
  return undefined;
}

const BACKUP_OPTIONS = new Set(['env', 'keep', 'dir']);

function backupRefusal(rest: string[]): string | undefined {
  const { flags } = splitWords(rest, (name) => NX_VALUE_FLAGS.has(name) || BACKUP_OPTIONS.has(name));
  for (const flag of flags) {
    if (flag.name === 'args') return backupKeyRefusal('--args');
    if (BACKUP_KEY_FLAGS.test(flag.name) && !BACKUP_OPTIONS.has(flag.name)) return backupKeyRefusal(`--${flag.name}`);
    if (flag.value !== undefined && !BACKUP_OPTIONS.has(flag.name) && !NX_VALUE_FLAGS.has(flag.name) && !NX_BOOLEAN_FLAGS.has(flag.name)) {
      return backupKeyRefusal('an option the backup target does not take, with a value');
    }
  }
  return undefined;
}

function valueRefusal(what: string): string {
  return (
    `nx-edge: refused before running anything — ${what} on the command line could put a secret value where Nx prints and caches it (its task header, terminal output cache, run.json, shell history, ps). ` +
    `Nothing ran and nothing you typed was printed; if it was a real secret, rotate it. Pipe the value in instead: printf %s "$VALUE" | nx run <project>:secrets --configuration=<env> set KEY`
  );
}

function backupKeyRefusal(what: string): string {
  return (
    `nx-edge: refused before running anything — ${what} on a backup: the encryption key is read from the NX_EDGE_BACKUP_KEY environment variable only, never from an option (Nx prints and caches options). ` +
    `Nothing ran and nothing you typed was printed; if it was a real key, rotate it. Run: NX_EDGE_BACKUP_KEY=… nx run <project>:backup --configuration=<env>`
  );
}

export const preTasksExecution: PreTasksExecution<NxEdgePluginOptions> = (options, context) => {
  const normalized = normalizePluginOptions(options);
  const refusal = secretOnArgvRefusal(context.argv, normalized.secretsTargetName, normalized.backupTargetName);
  if (refusal) {
    // Nx reports a plugin hook's error and stops; the message is ours and holds nothing typed.
    const error = new Error(refusal);
    error.stack = refusal;
    throw error;
  }
  // Nx's version is read only for a dev run: this hook runs before every task run.
  const runsDev = runsTarget(context.argv, normalized.devTargetName);
  const mainFile = require.main?.filename;
  if (runsDev && releasesWorker({ runsDev, env: process.env, mainFile, nxVersion: nxVersionNear(mainFile, context.workspaceRoot) })) releaseWorkerSoon();
};
