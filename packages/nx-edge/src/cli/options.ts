import { Command, CommanderError, Option } from 'commander';
import { UserError } from '../utils/user-error';

// Every `nx-edge <command>` declares its arguments and options once, with commander: the same definition
// parses the command line, prints `--help` (options and examples) and renders docs/cli.md.

/** What a command module exports besides `run`. */
export interface CommandDefinition {
  description: string;
  /** The usage line after `nx-edge <name> ` (what `--help` and every usage error print). */
  usage: string;
  /** Command lines shown under `--help` and in docs/cli.md. */
  examples?: string[];
  /** Declares the command's arguments and options on `command`. */
  define?(command: Command): void;
}

/**
 * An unknown option, named without its value: what follows `=` may be a secret typed in the wrong place
 * (`nx-edge restore --key=…`), so it is never printed back.
 */
export function unknownOption(typed: string): string {
  const flag = typed.startsWith('-') ? typed.split('=')[0] : '';
  if (/key|secret|token|password/i.test(flag)) {
    return `${flag}${typed.includes('=') ? '=…' : ''} is refused: nx-edge never takes a key or secret as an option (argv is visible to every local user and lands in shell history; the value was not printed). Set NX_EDGE_BACKUP_KEY in the environment for backups, pipe secret values through stdin.`;
  }
  return flag ? `unknown option "${flag}${typed.includes('=') ? '=…' : ''}".` : `unexpected argument (not shown, in case it holds a value).`;
}

/** commander, with nx-edge's words for a user's mistakes: values are never echoed, the usage follows. */
class NxEdgeCommand extends Command {
  /** The arguments being parsed (to name the flag the user typed). */
  typed: string[] = [];
  usageLine = '';

  // commander's hooks for a user's mistakes (internal to commander, hence no `override`).
  unknownOption(flag: string): never {
    const plain = flag.split('=')[0];
    let suggestion = '';
    if (!/key|secret|token|password/i.test(plain)) {
      try {
        (Command.prototype as unknown as { unknownOption(this: Command, flag: string): void }).unknownOption.call(this, plain); // commander's own "(Did you mean --json?)", computed from the declared options
      } catch (error) {
        suggestion = error instanceof CommanderError ? (/\n\(Did you mean [^)]*\)/.exec(error.message)?.[0] ?? '') : '';
      }
    }
    this.error(`${unknownOption(flag)}${suggestion.replace(/^\n/, ' ')} Usage: ${this.usageLine}`, { code: 'commander.unknownOption', exitCode: 2 });
  }

  optionMissingArgument(option: Option): never {
    const flag = [...this.typed].reverse().find((a) => a === option.short || a === option.long) ?? option.long ?? option.short ?? option.flags;
    this.error(`${flag} needs a value. Usage: ${this.usageLine}`, { code: 'commander.optionMissingArgument', exitCode: 2 });
  }

  // commander's name for "more operands than declared"; the operand may be a value typed in the wrong place.
  _excessArguments(): void {
    if ((this as unknown as { _allowExcessArguments: boolean })._allowExcessArguments) return;
    this.error(`unexpected argument (not shown, in case it holds a value). Usage: ${this.usageLine}`, { code: 'commander.excessArguments', exitCode: 2 });
  }
}

/** The commander command of `nx-edge <name>`, declared by its module. */
export function commandOf(name: string, definition: CommandDefinition): Command {
  const command = new NxEdgeCommand(`nx-edge ${name}`);
  command.usageLine = `nx-edge ${name} ${definition.usage}`.trim();
  command.description(definition.description).usage(definition.usage).helpOption('-h, --help', 'show this help').showSuggestionAfterError(true);
  definition.define?.(command);
  return command;
}

/** What `nx-edge <name> --help` prints: usage, description, options, examples. */
export function helpText(name: string, definition: CommandDefinition): string {
  const examples = definition.examples?.length ? `\nExamples:\n${definition.examples.map((e) => `  ${e}`).join('\n')}\n` : '';
  return `${commandOf(name, definition).helpInformation()}${examples}`;
}

/** Parses `args` with the command's definition: its options and operands, or a UserError in nx-edge's words. */
export function parseCommandLine<T extends object = Record<string, unknown>>(name: string, definition: CommandDefinition, args: string[]): { options: T; operands: string[] } {
  const command = commandOf(name, definition) as NxEdgeCommand;
  command.typed = args;
  command.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  command.action(() => undefined);
  try {
    command.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new UserError(error.message);
    throw error;
  }
  return { options: command.opts<T>(), operands: command.args };
}

/** `--status a,b --status c` → ['a', 'b', 'c']: a list option that may be repeated. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** `-c, --configuration <env>` (also `--env <env>`): the env a command works on. */
export function defineEnvOption(command: Command, description = 'the env (a [env.<name>] of the configs; "" for the top level)'): void {
  command.option('-c, --configuration <env>', description).addOption(new Option('--env <env>', 'the same as -c').hideHelp());
}

/** `-c <env> --projects a,b`: the deployed Workers of an env a command works on (monitor, tail). */
export function defineWorkerSelection(command: Command): void {
  defineEnvOption(command);
  command.option('--projects <a,b>', 'only these projects', collectList);
}

/** The env chosen with -c/--configuration/--env, if any. */
export function chosenEnv(options: { configuration?: string; env?: string }): string | undefined {
  return options.configuration ?? options.env;
}

/** `<project> -c <env>`, as promote and rollback take them. */
export function defineProjectEnv(command: Command): void {
  command.argument('[project]', 'the project whose Worker it acts on');
  defineEnvOption(command);
}

/** The project operand and -c/--env, plus the command's own options (`T`). */
export function parseProjectEnvArgs<T extends object = object>(name: string, definition: CommandDefinition, args: string[]): { project: string; env: string; options: T } {
  const { options, operands } = parseCommandLine<T & { configuration?: string; env?: string }>(name, definition, args);
  const project = operands[0] ?? '';
  if (!project) throw new UserError(`name the project. Usage: nx-edge ${name} ${definition.usage}`);
  return { project, env: chosenEnv(options) ?? '', options };
}
