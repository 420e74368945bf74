/**
 * package.json scripts that Nx turns into targets (`nx:run-script`) and that therefore replace the
 * inferred target of the same name: every script, unless `nx.includedScripts` narrows them.
 */
export function shadowingScripts(packageJson: { scripts?: Record<string, string>; nx?: { includedScripts?: string[] } } | undefined, targetNames: string[]): { script: string; command: string }[] {
  const scripts = packageJson?.scripts ?? {};
  const included = packageJson?.nx?.includedScripts ?? Object.keys(scripts);
  return included.filter((s) => targetNames.includes(s) && typeof scripts[s] === 'string').map((script) => ({ script, command: scripts[script] }));
}

/** What a script named like an inferred target becomes: handed over (with the target options its flags map to), or kept, and why. */
export type ScriptHandOver =
  | { handOver: true; target: string; options: Record<string, unknown>; buildOptions: Record<string, unknown>; mapped: string[] }
  | { handOver: false; reason: string };

// `npx wrangler`, `pnpm exec wrangler`, `yarn vitest`, `bunx wrangler`: the tool itself, as the target would run it.
const RUNNERS = [['npx', '--no-install'], ['npx'], ['pnpm', 'exec'], ['pnpm'], ['pnpx'], ['yarn'], ['bunx'], ['bun', 'x']];
const SHELL_SYNTAX = /[;&|<>`$(){}\\]|\n/;

function tokens(command: string): string[] | undefined {
  const out: string[] = [];
  for (const match of command.trim().matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(match[1] ?? match[2] ?? match[3]);
  return out.length ? out : undefined;
}

/** Flags of one wrangler/vitest command, as { name, value } in order (`--port 3000`, `--port=3000`, `-t name`). */
function flagsOf(args: string[], valued: Set<string>): { flags: { name: string; value?: string }[]; positional: string[] } {
  const flags: { name: string; value?: string }[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^(--?[^=]+)(?:=(.*))?$/.exec(arg);
    if (!match || arg === '-') positional.push(arg);
    else if (match[2] !== undefined) flags.push({ name: match[1], value: match[2] });
    else if (valued.has(match[1]) && i + 1 < args.length) flags.push({ name: match[1], value: args[++i] });
    else flags.push({ name: match[1] });
  }
  return { flags, positional };
}

/**
 * Whether the inferred target named `script` does exactly what the script did: a plain `wrangler dev|deploy|types`
 * or `vitest [run]` whose every flag maps to a target option (carried over), and whose config is the project's
 * own. Anything else — a compound command (`bun run build && wrangler deploy`), environment assignments, a flag
 * the target has no option for (`--remote`, `--test-scheduled`, `--var`), another config — is kept, with the reason.
 */
export function scriptHandOver(script: string, command: string, configFileName: string): ScriptHandOver {
  if (SHELL_SYNTAX.test(command)) return { handOver: false, reason: 'it is a compound command: its other steps would not run in the inferred target' };
  let words = tokens(command);
  if (!words) return { handOver: false, reason: 'it is empty' };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) return { handOver: false, reason: 'it sets environment variables the inferred target would not' };
  const runner = RUNNERS.find((r) => r.every((w, i) => words![i] === w));
  if (runner) words = words.slice(runner.length);
  const [tool, ...rest] = words;
  const sameConfig = (value: string | undefined) => value !== undefined && value.replace(/^\.\//, '') === configFileName;
  const keep = (flag: string, target: string) => ({ handOver: false as const, reason: `${flag} has no equivalent in the inferred ${target} target` });

  if (tool === 'wrangler') {
    const [sub, ...args] = rest;
    if (!['dev', 'deploy', 'types'].includes(sub ?? '')) return { handOver: false, reason: `it runs wrangler ${sub ?? ''}, which no inferred target does`.trim() };
    if (sub !== script) return { handOver: false, reason: `it runs wrangler ${sub}, not what the inferred ${script} target does` };
    const { flags, positional } = flagsOf(args, new Set(['--port', '-c', '--config', '--env', '-e', '--ip', '--var', '--persist-to', '--name', '--outdir', '--env-interface', '--inspector-port', '--compatibility-date']));
    if (positional.length) return { handOver: false, reason: `it passes ${positional.join(' ')} to wrangler ${sub}` };
    const options: Record<string, unknown> = {};
    const buildOptions: Record<string, unknown> = {};
    const mapped: string[] = [];
    for (const flag of flags) {
      if ((flag.name === '-c' || flag.name === '--config') && sameConfig(flag.value)) continue;
      if (flag.name === '-c' || flag.name === '--config') return { handOver: false, reason: `it uses another config (${flag.value}) than the project's ${configFileName}` };
      if (sub === 'dev' && flag.name === '--port' && /^\d+$/.test(flag.value ?? '')) {
        options.port = Number(flag.value);
        mapped.push(`--port ${flag.value} → dev option port ${flag.value}`);
      } else if (sub === 'dev' && flag.name === '--local') {
        continue; // dev is local already
      } else if (sub === 'deploy' && flag.name === '--minify') {
        buildOptions.minify = true;
        mapped.push('--minify → build option minify (deploy ships the build)');
      } else return keep(flag.value !== undefined ? `${flag.name} ${flag.value}` : flag.name, sub);
    }
    return { handOver: true, target: sub, options, buildOptions, mapped };
  }

  if (tool === 'vitest') {
    const args = rest[0] === 'run' ? rest.slice(1) : rest;
    if (script !== 'test') return { handOver: false, reason: `it runs vitest, not what the inferred ${script} target does` };
    const { flags, positional } = flagsOf(args, new Set(['-t', '--testNamePattern', '-c', '--config', '--reporter', '--project', '--pool', '--dir', '--root']));
    if (positional.length) return { handOver: false, reason: `it passes ${positional.join(' ')} to vitest (only those files would run)` };
    const options: Record<string, unknown> = {};
    const mapped: string[] = [];
    for (const flag of flags) {
      if (flag.name === '--coverage') options.coverage = true;
      else if (flag.name === '--passWithNoTests') options.passWithNoTests = true;
      else if ((flag.name === '-t' || flag.name === '--testNamePattern') && flag.value) options.testNamePattern = flag.value;
      else if ((flag.name === '-c' || flag.name === '--config') && flag.value) options.config = flag.value.replace(/^\.\//, '');
      else return keep(flag.value !== undefined ? `${flag.name} ${flag.value}` : flag.name, 'test');
      mapped.push(`${flag.name}${flag.value !== undefined ? ` ${flag.value}` : ''} → test option ${Object.keys(options).at(-1)}`);
    }
    return { handOver: true, target: 'test', options, buildOptions: {}, mapped };
  }
  return { handOver: false, reason: `it runs ${tool}, not wrangler or vitest` };
}
