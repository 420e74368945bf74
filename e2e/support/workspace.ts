import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { E2E_TMP, HERMETIC_ENV, runtimePath, templateDir } from './template';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export interface E2eWorkspace {
  root: string;
  env: NodeJS.ProcessEnv;
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  nx(args: string[], opts?: RunOptions): Promise<RunResult>;
  nxOk(args: string[], opts?: RunOptions): Promise<RunResult>;
  spawn(cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  read(path: string): string;
  write(path: string, text: string): void;
  readJson<T = any>(path: string): T;
  exists(path: string): boolean;
  dispose(): Promise<void>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** A copy of the template workspace in tmp/e2e/<name>-<random>; node_modules is hard-linked. */
export async function createE2eWorkspace(name: string): Promise<E2eWorkspace> {
  const TEMPLATE_DIR = templateDir();
  if (!existsSync(join(TEMPLATE_DIR, '.template-key'))) throw new Error('the e2e template workspace is missing: run the e2e project (globalSetup makes it)');
  const root = join(E2E_TMP, `${name}-${randomBytes(4).toString('hex')}`);
  mkdirSync(root, { recursive: true });
  for (const entry of readdirSync(TEMPLATE_DIR)) {
    if (entry === 'node_modules' || entry === '.template-key') continue;
    cpSync(join(TEMPLATE_DIR, entry), join(root, entry), { recursive: true });
  }
  execFileSync('cp', ['-al', join(TEMPLATE_DIR, 'node_modules'), join(root, 'node_modules')]);
  const home = join(root, '.e2e-home');
  mkdirSync(join(home, 'tmp'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...HERMETIC_ENV,
    XDG_CONFIG_HOME: join(home, 'config'),
    WRANGLER_REGISTRY_PATH: join(home, 'registry'),
    TMPDIR: join(home, 'tmp'),
    PATH: [...runtimePath(), join(root, 'node_modules', '.bin'), process.env.PATH].join(':'),
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  writeFileSync(join(root, '.gitignore'), `${readFileSafe(join(root, '.gitignore'))}.e2e-home/\nnode_modules/\n`);
  const children = new Set<ChildProcess>();

  const run = (cmd: string, args: string[], opts: RunOptions = {}) =>
    new Promise<RunResult>((resolve) => {
      const child = spawn(cmd, args, {
        cwd: opts.cwd ?? root,
        env: { ...env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      // A command that exits before reading stdin (git rev-parse) makes this write fail with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
      const timer = opts.timeoutMs ? setTimeout(() => killGroup(child, 'SIGKILL'), opts.timeoutMs) : undefined;
      child.on('error', (error) => {
        stderr += String(error);
      });
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        children.delete(child);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });

  const nx = (args: string[], opts?: RunOptions) => run(join(root, 'node_modules', '.bin', 'nx'), args, opts);

  return {
    root,
    env,
    run,
    nx,
    async nxOk(args, opts) {
      const result = await nx(args, opts);
      if (result.code !== 0) {
        throw new Error(`nx ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
      }
      return result;
    },
    spawn(cmd, args, opts = {}) {
      const child = spawn(cmd, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    read: (path) => readFileSync(join(root, path), 'utf8'),
    write(path, text) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    },
    readJson: (path) => JSON.parse(readFileSync(join(root, path), 'utf8')),
    exists: (path) => existsSync(join(root, path)),
    async dispose() {
      // A dev hub runs detached from whatever started it: stop its group (workerd) too.
      try {
        const hub = JSON.parse(readFileSync(join(root, '.nx-edge', 'dev', 'hub.json'), 'utf8')) as { pid: number };
        process.kill(-hub.pid, 'SIGKILL');
      } catch {
        // no hub
      }
      const live = [...children];
      for (const child of live) killGroup(child, 'SIGTERM');
      await Promise.all(
        live.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => {
                killGroup(child, 'SIGKILL');
                resolve();
              }, 5_000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function readFileSafe(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch {
    return '';
  }
}
