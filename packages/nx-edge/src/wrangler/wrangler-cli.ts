import { spawn } from 'node:child_process';
import { UserError } from '../utils/user-error';
import { retryOnRateLimit, type RateLimitOptions } from './rate-limit';
import type { RunWrangler, WranglerResult } from './wrangler-run';
import { requireWranglerPackage } from './wrangler-package';

export type { RunWrangler, WranglerResult, WranglerRunOptions } from './wrangler-run';

/** The workspace's own wrangler (a peer dependency), checked against the supported range. */
export function resolveWranglerBin(workspaceRoot: string): string {
  return requireWranglerPackage(workspaceRoot).bin;
}

/** Strips ANSI colours: wrangler colours its errors even when piped. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * `baseEnv` is added to every run (tests point wrangler at a fake API this way). A run the API's rate limit
 * refused is run again after a wait (`rateLimit`: the waits and where the wait lines go).
 */
export function createWranglerRunner(workspaceRoot: string, baseEnv: Record<string, string | undefined> = {}, rateLimit: RateLimitOptions = {}): RunWrangler {
  const bin = resolveWranglerBin(workspaceRoot);
  const spawnWrangler: RunWrangler = (args, options) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: options.cwd,
        env: { ...process.env, ...baseEnv, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        options.onOutput?.(chunk, 'stdout');
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        options.onOutput?.(chunk, 'stderr');
      });
      child.stdin.on('error', () => {
        // wrangler may exit before reading stdin; the exit code tells what happened
      });
      child.stdin.end(options.input ?? '');
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  return retryOnRateLimit(spawnWrangler, rateLimit);
}

/** The last meaningful lines of wrangler's output, for an error message. */
export function wranglerErrorSummary(result: WranglerResult): string {
  const text = stripAnsi(`${result.stderr}\n${result.stdout}`);
  const errorLine = text.split('\n').find((line) => line.includes('[ERROR]'));
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() && !l.includes('Logs were written to') && !l.includes('If you think this is a bug'));
  const detail = lines.slice(-6).join('\n');
  if (result.rateLimitExhausted) return `${result.rateLimitExhausted}\n${detail}`;
  return errorLine ? `${errorLine.replace(/^.*\[ERROR\]\s*/, '')}\n${detail}` : detail;
}

/**
 * Runs wrangler and returns its stdout; a failure is a UserError saying `what` failed and wrangler's reason
 * (a call refused by the API's rate limit has already been run again by the runner; see rate-limit.ts).
 */
export async function wranglerOk(runWrangler: RunWrangler, args: string[], cwd: string, what: string): Promise<string> {
  const result = await runWrangler(args, { cwd });
  if (result.code === 0) return result.stdout;
  throw new UserError(`${what} failed: ${wranglerErrorSummary(result)}`);
}
