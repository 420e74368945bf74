// Types only: this runs in Nx's plugin worker before every task run.
import type { PreTasksExecution } from '@nx/devkit';
import { normalizePluginOptions, type NxEdgePluginOptions } from './options';

const VALUE_FLAGS = /^--?(value|secret|secret-value|text)(=|$)/i;

/**
 * The secrets target takes `set KEY` with the value on stdin. A value typed on the command line
 * (`… set API_KEY s3cr3t`, `… set API_KEY=s3cr3t`, `--value=s3cr3t`) would be printed by Nx in its
 * task header and kept in its terminal-output cache before our executor could refuse it, so it is
 * refused here, before Nx runs (or prints) anything. Returns the refusal, which never contains the value.
 */
export function secretOnArgvRefusal(rawArgv: string[], secretsTargetName = 'secrets'): string | undefined {
  const target = secretsTargetName;
  // Nx hands over process.argv: the node binary and Nx's script come first.
  let skip = 0;
  while (skip < rawArgv.length && skip < 2 && /[\\/]/.test(rawArgv[skip]) && /(node|nx)(\.[cm]?js|\.exe)?$/.test(rawArgv[skip])) skip++;
  const argv = rawArgv.slice(skip);
  const isTargetSpec = (word: string) => new RegExp(`^[^\\s:]+:${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:[^:\\s]+)?$`).test(word);
  let start = -1;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (isTargetSpec(word)) start = i + 1; // nx run api:secrets:staging …, nx api:secrets …
    else if (word === target && i <= 1 && argv[i + 1] && !argv[i + 1].startsWith('-')) start = i + 2; // nx secrets api …
    else if (/^(-t|--targets?)$/.test(word) && argv[i + 1]?.split(',').includes(target)) start = i + 2; // run-many / affected
    else if (new RegExp(`^--targets?=`).test(word) && word.slice(word.indexOf('=') + 1).split(',').includes(target)) start = i + 1;
    if (start >= 0) break;
  }
  if (start < 0) return undefined;
  const rest = argv.slice(start);
  if (rest.some((w) => VALUE_FLAGS.test(w))) return valueRefusal('a --value flag');
  const words = rest.filter((w, i) => !w.startsWith('-') && !(i > 0 && /^(-c|--configuration|-p|--projects?|--exclude|--output-style|--parallel)$/.test(rest[i - 1])));
  const [action, key, ...extra] = words;
  if (key?.includes('=')) return valueRefusal(`"${key.slice(0, key.indexOf('='))}=…"`);
  if ((action === 'set' || action === 'delete') && extra.length > 0) return valueRefusal(`a word after the secret's name`);
  if ((action === 'list' || action === 'push') && key !== undefined) return valueRefusal(`a word after "${action}"`);
  return undefined;
}

function valueRefusal(what: string): string {
  return (
    `nx-edge: refused before running anything — ${what} on the command line would put a secret value where Nx prints and caches it (its task header, terminal output cache, shell history, ps). ` +
    `Nothing ran and the value was not printed; if it was a real secret, rotate it. Pipe the value in instead: printf %s "$VALUE" | nx run <project>:secrets --configuration=<env> set KEY`
  );
}

export const preTasksExecution: PreTasksExecution<NxEdgePluginOptions> = (options, context) => {
  const refusal = secretOnArgvRefusal(context.argv, normalizePluginOptions(options).secretsTargetName);
  if (refusal) {
    // Nx reports a plugin hook's error and stops; the message is ours and holds no value.
    const error = new Error(refusal);
    error.stack = refusal;
    throw error;
  }
};
