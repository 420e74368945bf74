#!/usr/bin/env node
// `nx-edge <command>`: workspace-level commands that are not per-project targets
// (status, logs, validate, history, setup, reset, ...). Each command is a module in ./commands
// exporting `description` and `run(args, { cwd }) => Promise<number>` (the exit code).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../utils/user-error';
import { helpText, type CommandDefinition } from './options';

/** A module of ./commands: its definition (description, usage, options, examples) and what it runs. */
export interface CliCommand extends CommandDefinition {
  run(args: string[], context: { cwd: string }): Promise<number>;
}

export function commandNames(): string[] {
  const dir = join(__dirname, 'commands');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !/\.(spec|d)\.[jt]s$/.test(f))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .sort();
}

export function loadCommand(name: string): CliCommand | undefined {
  if (!commandNames().includes(name)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- one command module loaded by name, only the one asked for
  return require(join(__dirname, 'commands', name)) as CliCommand;
}

export function packageVersion(): string {
  for (const dir of [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..')]) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@aero/nx-edge') return pkg.version ?? 'unknown';
    }
  }
  return 'unknown';
}

function help(): string {
  const lines = ['Usage: nx-edge <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) {
    const cmd = loadCommand(name);
    lines.push(`  ${name.padEnd(10)} ${cmd?.description ?? ''}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(packageVersion());
    return 0;
  }
  const command = loadCommand(name);
  if (!command) {
    console.error(`nx-edge: unknown command "${name.startsWith('-') ? name.split('=')[0] : name}".\n\n${help()}`);
    return 2;
  }
  // Every command: --help prints its usage, options and examples (from its definition) and runs nothing.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(helpText(name, command));
    return 0;
  }
  try {
    return await command.run(rest, { cwd });
  } catch (error) {
    console.error(`nx-edge ${name}: ${describeError(error)}`);
    return 1;
  }
}

if (require.main === module) {
  // `nx-edge history --json | head -3`: the reader went away; that ends the output, it is no error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
