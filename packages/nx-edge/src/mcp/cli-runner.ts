import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** One nx-edge command run to its end (or to the window's end), output bounded. */
export interface CliResult {
  exitCode: number | null;
  /** Lines of stdout (`--json`: one record each), at most MAX_LINES. */
  lines: string[];
  /** stdout lines beyond MAX_LINES, counted. */
  moreLines: number;
  /** The end of stderr: what the command said about a failure. */
  stderr: string;
  /** True when the command was stopped at the window's end (tail). */
  stopped: boolean;
}

export type CliRunner = (args: string[], opts?: { windowMs?: number; timeoutMs?: number }) => Promise<CliResult>;

const MAX_LINES = 2000;
const MAX_LINE_CHARS = 16 * 1024;
const MAX_STDERR_CHARS = 8 * 1024;

/**
 * Runs `nx-edge <args>` as `history`, `monitor`, `tail` and `validate` run for a user — the same code, in
 * its own process (a command printing to stdout cannot corrupt the MCP stream on ours). Credentials reach
 * it through the environment, as they reach the CLI, never on its argv. A window (tail) ends it with
 * SIGINT, which closes its tail sessions as Ctrl-C does.
 */
export function cliRunner(workspaceRoot: string, cli = join(__dirname, '..', 'cli', 'nx-edge.js')): CliRunner {
  return (args, opts = {}) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { cwd: workspaceRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
      const lines: string[] = [];
      let moreLines = 0;
      let partial = '';
      let stderr = '';
      let stopped = false;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        // Linear: each chunk split once; a line longer than the cap is kept cut.
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        if (partial.length > MAX_LINE_CHARS) partial = partial.slice(0, MAX_LINE_CHARS);
        for (const line of parts) {
          if (!line) continue;
          if (lines.length < MAX_LINES) lines.push(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);
          else moreLines++;
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
      });
      const timers: NodeJS.Timeout[] = [];
      if (opts.windowMs) {
        timers.push(
          setTimeout(() => {
            stopped = true;
            child.kill('SIGINT');
          }, opts.windowMs),
        );
      }
      timers.push(setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? (opts.windowMs ?? 0) + 60_000));
      child.on('close', (exitCode) => {
        for (const t of timers) clearTimeout(t);
        if (partial && lines.length < MAX_LINES) lines.push(partial);
        else if (partial) moreLines++;
        resolve({ exitCode, lines, moreLines, stderr: stderr.trim(), stopped });
      });
      child.on('error', (error) => resolve({ exitCode: null, lines, moreLines, stderr: error.message, stopped }));
    });
}

/** JSON lines parsed (a line that is not JSON kept as text). */
export function parsedLines(result: CliResult): unknown[] {
  return result.lines.map((line) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      return line;
    }
  });
}
