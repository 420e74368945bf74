import { spawn } from 'node:child_process';
import { UserError } from '../utils/user-error';
import { requireWranglerPackage } from './wrangler-package';

export interface WranglerRunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Written to wrangler's stdin, then stdin is closed (secret values travel this way, never argv). */
  input?: string;
  /** Called with each chunk wrangler prints, e.g. to stream it. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface WranglerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs wrangler with an argv array. Injected into the cores so their tests can observe calls. */
export type RunWrangler = (args: string[], options: WranglerRunOptions) => Promise<WranglerResult>;

/** The workspace's own wrangler (a peer dependency), checked against the supported range. */
export function resolveWranglerBin(workspaceRoot: string): string {
  return requireWranglerPackage(workspaceRoot).bin;
}

/** Strips ANSI colours: wrangler colours its errors even when piped. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** `baseEnv` is added to every run (tests point wrangler at a fake API this way). */
export function createWranglerRunner(workspaceRoot: string, baseEnv: Record<string, string | undefined> = {}): RunWrangler {
  const bin = resolveWranglerBin(workspaceRoot);
  return (args, options) =>
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
  return errorLine ? `${errorLine.replace(/^.*\[ERROR\]\s*/, '')}\n${detail}` : detail;
}

/** wrangler failed because Cloudflare's API answered 429 (its request budget is spent; wrangler retries only 5xx). */
export function isRateLimited(result: WranglerResult): boolean {
  return result.code !== 0 && /\b429\b|\[code: 971\]|throttling your request speed|Too Many Requests/i.test(stripAnsi(`${result.stderr}\n${result.stdout}`));
}

/**
 * How long to wait before each retry of a rate-limited call: Cloudflare blocks for five minutes once the
 * budget (1,200 requests per five minutes) is spent, so the waits add up to more than that.
 * NX_EDGE_RATE_LIMIT_WAIT_MS sets the first wait (tests use a few ms).
 */
export function rateLimitWaits(environment: NodeJS.ProcessEnv = process.env): number[] {
  const first = Number(environment.NX_EDGE_RATE_LIMIT_WAIT_MS ?? 60_000);
  const base = Number.isFinite(first) && first >= 0 ? first : 60_000;
  return [base, base * 2, base * 4];
}

/**
 * Runs wrangler and returns its stdout; a failure is a UserError saying `what` failed and wrangler's reason.
 * A call refused by the API's rate limit is run again after each of `rateLimitWaits()` (these calls are
 * reads, or writes of the same content: running one again changes nothing else); when the budget does not
 * lift, the error says so.
 */
export async function wranglerOk(runWrangler: RunWrangler, args: string[], cwd: string, what: string, wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<string> {
  const waits = rateLimitWaits();
  for (let attempt = 0; ; attempt++) {
    const result = await runWrangler(args, { cwd });
    if (result.code === 0) return result.stdout;
    if (!isRateLimited(result)) throw new UserError(`${what} failed: ${wranglerErrorSummary(result)}`);
    if (attempt >= waits.length) {
      const total = waits.reduce((sum, ms) => sum + ms, 0);
      throw new UserError(
        `${what} failed: Cloudflare's API kept answering 429 (its rate limit: 1,200 requests per five minutes per user, then five minutes blocked) after ${waits.length} waits over ${Math.round(total / 1000)} s. Wait a few minutes and run it again.\n${wranglerErrorSummary(result)}`,
      );
    }
    process.stderr.write(`nx-edge: Cloudflare's API rate limit reached during ${what}: waiting ${Math.round(waits[attempt] / 1000)} s before trying again (${attempt + 1} of ${waits.length}).\n`);
    await wait(waits[attempt]);
  }
}
