import type { Command, Option } from 'commander';
import { commandNames, loadCommand } from './nx-edge';
import { commandOf } from './options';

// docs/cli.md, rendered from the commands' own definitions (`npm run docs:cli` writes it; a spec checks it).

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function optionRows(command: Command): string[] {
  const visible = (command.options as readonly (Option & { hidden?: boolean })[]).filter((o) => !o.hidden);
  return visible.map((o) => `| \`${o.flags}\` | ${cell(o.description)} |`);
}

export function cliReference(): string {
  const lines = [
    '# `nx-edge` command reference',
    '',
    '<!-- Generated from packages/nx-edge/src/cli/commands/*.ts by `npm run docs:cli`; a spec fails when it differs. -->',
    '',
    'Workspace-level commands that are no per-project target. Every command prints this with `--help`;',
    '`nx-edge --version` prints the version. An unknown option is an error that names it (never its value) and',
    'suggests the closest known one; an option that looks like a key or secret is refused outright.',
    '',
  ];
  for (const name of commandNames()) {
    const definition = loadCommand(name);
    if (!definition) continue;
    const command = commandOf(name, definition);
    lines.push(`## nx-edge ${name}`, '', definition.description, '', '```', `nx-edge ${name} ${definition.usage}`.trim(), '```', '');
    const args = command.registeredArguments.map((a) => `| \`${a.required ? `<${a.name()}>` : `[${a.name()}]`}\` | ${cell(a.description)} |`);
    const rows = [...args, ...optionRows(command)];
    if (rows.length) lines.push('| argument / option | what it does |', '|---|---|', ...rows, '');
    if (definition.examples?.length) lines.push('Examples:', '', '```', ...definition.examples, '```', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
