import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { build, context, type BuildContext, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import type { WranglerConfig } from '../config/wrangler-config';
import { UserError } from '../utils/user-error';
import { effectiveModuleRules, globToFilter, type ModuleRule } from './module-rules';
import { hasNodeCompat, nodeBuiltinSpecifier } from './node-compat';
import { workspacePathsPlugin } from './tsconfig-paths';

export interface BundleWorkerOptions {
  workspaceRoot: string;
  /** Absolute project root (where the wrangler config lives). */
  projectRoot: string;
  /** The wrangler config file (absolute), for messages and relative paths. */
  configFile: string;
  config: WranglerConfig;
  /** Absolute output directory. */
  outDir: string;
  minify?: boolean;
  sourcemap?: boolean;
  /** Extra esbuild `define`s (e.g. for dev). */
  define?: Record<string, string>;
  /** JS placed before the bundle (dev tags each Worker's console output with its service). */
  banner?: string;
  /**
   * Keeps an esbuild context per output folder for incremental rebuilds (dev reloads): a rebuild
   * re-reads only what changed. The owner disposes them (disposeBundleContexts).
   */
  contexts?: BundleContexts;
  /** Measure each file's gzip size for `files` (default true); dev skips it (level-9 gzip of a big bundle costs tens of ms a save). */
  sizes?: boolean;
}

/** esbuild contexts kept for incremental rebuilds, one per output folder, with the options they were made for. */
export type BundleContexts = Map<string, { key: string; context: BuildContext<BuildOptions & { metafile: true }>; copied: Map<string, string>; turn: Promise<unknown> }>;

export async function disposeBundleContexts(contexts: BundleContexts, outDir?: string): Promise<void> {
  const entries = outDir ? [...contexts].filter(([dir]) => dir === outDir) : [...contexts];
  for (const [dir, { context }] of entries) {
    contexts.delete(dir);
    await context.dispose().catch(() => undefined);
  }
}

export interface BundledFile {
  /** Path relative to outDir. */
  file: string;
  bytes: number;
  gzipBytes: number;
}

export interface BundleWorkerResult {
  entry: string;
  files: BundledFile[];
  metafile: Metafile;
  /** Every input file esbuild read (absolute), for watchers. */
  inputs: string[];
}

/** tsconfig.base.json paths become esbuild aliases through its own tsconfig support. */
function findTsconfig(projectRoot: string, workspaceRoot: string): string | undefined {
  for (const candidate of [join(projectRoot, 'tsconfig.json'), join(workspaceRoot, 'tsconfig.base.json'), join(workspaceRoot, 'tsconfig.json')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function nodeBuiltinsPlugin(configFile: string, allowed: boolean): Plugin {
  return {
    name: 'nx-edge-node-builtins',
    setup(b) {
      b.onResolve({ filter: /^[a-z_:][a-z0-9_/:]*$/ }, (args) => {
        const specifier = nodeBuiltinSpecifier(args.path);
        if (!specifier) return undefined;
        if (allowed && args.kind === 'require-call') {
          // A CommonJS dependency's require('fs') in an ESM bundle: load the builtin through an import.
          return { path: specifier, namespace: 'nx-edge-node-require' };
        }
        if (!allowed) {
          return {
            errors: [
              {
                text: `"${args.path}" is a Node.js built-in; Workers provide it only with the nodejs_compat flag. Add "nodejs_compat" to compatibility_flags in ${configFile}.`,
              },
            ],
          };
        }
        return { path: specifier, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: 'nx-edge-node-require' }, (args) => ({
        contents: `import builtin from ${JSON.stringify(args.path)};\nmodule.exports = builtin;`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Non-JS imports follow wrangler's module rules. Text is inlined as a string (what the Worker sees
 * is the same); CompiledWasm and Data stay separate modules next to the bundle, as wrangler uploads them.
 */
function moduleRulesPlugin(rules: ModuleRule[], outDir: string, copied: Map<string, string>): Plugin {
  return {
    name: 'nx-edge-module-rules',
    setup(b) {
      for (const rule of rules) {
        if (rule.type === 'ESModule' || rule.type === 'CommonJS') continue;
        for (const glob of rule.globs) {
          const filter = globToFilter(glob.replace(/\?module$/, ''));
          if (rule.type === 'Text') {
            b.onLoad({ filter }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
            continue;
          }
          b.onResolve({ filter }, (args) => {
            const source = resolve(args.resolveDir, args.path.replace(/\?module$/, ''));
            if (!existsSync(source)) return { errors: [{ text: `cannot find ${args.path} (imported from ${args.importer})` }] };
            const hash = createHash('sha1').update(readFileSync(source)).digest('hex').slice(0, 8);
            const name = `${hash}-${basename(source)}`;
            copied.set(source, name);
            mkdirSync(outDir, { recursive: true });
            copyFileSync(source, join(outDir, name));
            return { path: `./${name}`, external: true };
          });
        }
      }
    },
  };
}

/**
 * Libraries guard optional peers with `try { require('x') } catch {}` (NestJS: class-validator,
 * @nestjs/microservices…). A require() from node_modules that does not resolve stays a runtime
 * require, which throws inside their try — as in Node — instead of failing the build.
 */
function optionalRequiresPlugin(): Plugin {
  return {
    name: 'nx-edge-optional-requires',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== 'require-call' || (args.pluginData as { nxEdgeOptional?: boolean } | undefined)?.nxEdgeOptional || !args.importer.includes('node_modules')) return undefined;
        const result = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { nxEdgeOptional: true } });
        if (result.errors.length === 0) return result;
        return { path: args.path, external: true, warnings: [{ text: `optional require("${args.path}") left to run time` }] };
      });
    },
  };
}

export function entryPointOf(config: WranglerConfig, projectRoot: string, configFile: string): string {
  if (!config.main) {
    throw new UserError(`${configFile}: "main" is missing. Set it to the Worker's entry module, e.g. "main": "src/index.ts".`);
  }
  const entry = resolve(projectRoot, config.main);
  if (!existsSync(entry)) {
    throw new UserError(`${configFile}: "main" points at ${config.main}, which does not exist. Fix the path or create the file.`);
  }
  return entry;
}

export async function bundleWorker(options: BundleWorkerOptions): Promise<BundleWorkerResult> {
  const { config, projectRoot, configFile, outDir, workspaceRoot } = options;
  const entry = entryPointOf(config, projectRoot, configFile);
  let copied = new Map<string, string>();
  const tsconfig = findTsconfig(projectRoot, workspaceRoot);
  let result;
  try {
    const buildOptions = {
      entryPoints: { index: entry },
      outdir: outDir,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      resolveExtensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json'],
      external: ['cloudflare:*'],
      treeShaking: true,
      minify: options.minify ?? false,
      sourcemap: options.sourcemap === false ? false : 'external',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: workspaceRoot,
      tsconfig,
      // @aero/edge-runtime names the service after the Worker unless told otherwise.
      banner: options.banner ? { js: options.banner } : undefined,
      define: { 'process.env.NODE_ENV': '"production"', __NX_EDGE_SERVICE__: JSON.stringify(config.name ?? ''), ...options.define },
      plugins: [workspacePathsPlugin(workspaceRoot), optionalRequiresPlugin(), nodeBuiltinsPlugin(relative(workspaceRoot, configFile), hasNodeCompat(config)), moduleRulesPlugin(effectiveModuleRules(config), outDir, copied)],
    } satisfies BuildOptions;
    if (options.contexts) {
      // Same options (plugins' inputs included): rebuild incrementally; otherwise a fresh context.
      const key = JSON.stringify({ ...buildOptions, plugins: [hasNodeCompat(config), effectiveModuleRules(config)] });
      let kept = options.contexts.get(outDir);
      if (kept?.key !== key) {
        await disposeBundleContexts(options.contexts, outDir);
        kept = { key, context: await context(buildOptions), copied, turn: Promise.resolve() };
        options.contexts.set(outDir, kept);
      }
      // The module-rules plugin of the kept context records into the Map it was made with.
      copied = kept.copied;
      // One rebuild at a time: esbuild may answer a rebuild asked for during another with that one's result, read
      // before a newer save (4 of 20 such pairs in a plain esbuild script), and the save would be lost.
      const { context: ctx } = kept;
      const rebuilt = kept.turn.then(() => ctx.rebuild());
      kept.turn = rebuilt.catch(() => undefined);
      result = await rebuilt;
    } else {
      result = await build(buildOptions);
    }
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    if (errors?.length) {
      const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text));
      throw new UserError(`esbuild could not bundle ${relative(workspaceRoot, entry)}:\n  ${lines.join('\n  ')}`);
    }
    throw error;
  }
  writeFileSync(join(outDir, 'metafile.json'), JSON.stringify(result.metafile));
  const files: BundledFile[] = [];
  const add = (file: string) => {
    const contents = readFileSync(join(outDir, file));
    files.push({ file, bytes: contents.length, gzipBytes: options.sizes === false ? 0 : gzipSync(contents, { level: 9 }).length });
  };
  add('index.js');
  for (const name of copied.values()) add(name);
  const inputs = Object.keys(result.metafile.inputs).map((p) => (isAbsolute(p) ? p : join(workspaceRoot, p)));
  return { entry: join(outDir, 'index.js'), files, metafile: result.metafile, inputs };
}

/** Paths in a wrangler config that are relative to the config's folder. */
const RELATIVE_PATH_KEYS = ['migrations_dir'] as const;

/**
 * Every other path-valued field of wrangler's config schema (besides main, assets.directory — copied next to
 * the bundle — and d1 migrations_dir), rebased in place so the config in dist/ points at the same files:
 * site.bucket, containers[].image (when it is a Dockerfile path, not a registry image) and
 * containers[].image_build_context, build.cwd and build.watch_dir, wasm_modules / text_blobs / data_blobs
 * (service-worker format), pages_build_output_dir. tsconfig and base_dir are for bundling: dropped.
 */
export function rebaseFileFields(section: Record<string, unknown>, rebase: (path: string) => string, isFile: (path: string) => boolean): void {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(section.site) && typeof section.site.bucket === 'string') section.site = { ...section.site, bucket: rebase(section.site.bucket) };
  if (Array.isArray(section.containers)) {
    section.containers = (section.containers as unknown[]).map((c) => {
      if (!isObject(c)) return c;
      const copy = { ...c };
      // An image is a Dockerfile path or a registry reference (registry.cloudflare.com/…, docker.io/…:tag).
      if (typeof copy.image === 'string' && isFile(copy.image)) copy.image = rebase(copy.image);
      if (typeof copy.image_build_context === 'string') copy.image_build_context = rebase(copy.image_build_context);
      return copy;
    });
  }
  if (isObject(section.build)) {
    const build = { ...section.build };
    if (typeof build.cwd === 'string') build.cwd = rebase(build.cwd);
    if (typeof build.watch_dir === 'string') build.watch_dir = rebase(build.watch_dir);
    else if (Array.isArray(build.watch_dir)) build.watch_dir = (build.watch_dir as unknown[]).map((d) => (typeof d === 'string' ? rebase(d) : d));
    section.build = build;
  }
  for (const key of ['wasm_modules', 'text_blobs', 'data_blobs']) {
    const map = section[key];
    if (isObject(map)) section[key] = Object.fromEntries(Object.entries(map).map(([name, path]) => [name, typeof path === 'string' ? rebase(path) : path]));
  }
  if (typeof section.pages_build_output_dir === 'string') section.pages_build_output_dir = rebase(section.pages_build_output_dir);
}

function rebasePath(path: string, fromDir: string, toDir: string): string {
  return isAbsolute(path) ? path : relative(toDir, resolve(fromDir, path)) || '.';
}

/**
 * The wrangler config that deploys the bundle as it is: `main` is the bundle, `no_bundle` stops
 * wrangler from bundling again, additional modules (wasm, data) are found next to it, and paths
 * that were relative to the source folder still point at the same files.
 */
export function deployableConfig(config: WranglerConfig, sourceDir: string, outDir: string, hasAdditionalModules: boolean): WranglerConfig {
  const rebaseSection = (section: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...section };
    const d1 = section.d1_databases as { migrations_dir?: string }[] | undefined;
    if (Array.isArray(d1)) {
      out.d1_databases = d1.map((db) => {
        const copy: Record<string, unknown> = { ...db };
        for (const key of RELATIVE_PATH_KEYS) {
          const value = (db as Record<string, unknown>)[key] ?? (key === 'migrations_dir' ? 'migrations' : undefined);
          if (typeof value === 'string') copy[key] = rebasePath(value, sourceDir, outDir);
        }
        return copy;
      });
    }
    rebaseFileFields(out, (path) => rebasePath(path, sourceDir, outDir), (path) => existsSync(resolve(sourceDir, path)));
    for (const key of ['tsconfig', 'base_dir'] as const) delete out[key];
    return out;
  };
  const { env, ...top } = config;
  const result: Record<string, unknown> = {
    ...rebaseSection(top),
    main: 'index.js',
    no_bundle: true,
    // fallthrough: wrangler's own default rules still apply after ours (it warns otherwise).
    rules: [
      { type: 'ESModule', globs: ['**/*.js'], fallthrough: true },
      { type: 'CompiledWasm', globs: ['**/*.wasm'], fallthrough: true },
      { type: 'Data', globs: ['**/*.bin'], fallthrough: true },
    ],
  };
  // The config's `$schema` is relative to its own folder: point it there from dist/ (a path wrangler
  // and editors can follow), or drop it when it cannot be rebased.
  const schema = (top as Record<string, unknown>).$schema;
  if (typeof schema === 'string' && !/^[a-z]+:\/\//i.test(schema)) result.$schema = rebasePath(schema, sourceDir, outDir);
  const topVars = top.vars;
  const emptyTopVars = !!topVars && typeof topVars === 'object' && Object.keys(topVars).length === 0;
  if (hasAdditionalModules) result.find_additional_modules = true;
  if (env) {
    result.env = Object.fromEntries(
      Object.entries(env).map(([name, section]) => {
        const rebased = rebaseSection(section);
        delete rebased.main;
        // An empty top-level `vars` repeated: the same (nothing), without wrangler's "not inherited" warning.
        if (emptyTopVars && rebased.vars === undefined) rebased.vars = {};
        return [name, rebased];
      }),
    );
  }
  return result;
}

export function writeDeployableConfig(config: WranglerConfig, sourceDir: string, outDir: string, hasAdditionalModules: boolean): string {
  const file = join(outDir, 'wrangler.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(deployableConfig(config, sourceDir, outDir, hasAdditionalModules), null, 2)}\n`);
  return file;
}
