import { addProjectConfiguration, formatFiles, generateFiles, getProjects, names, offsetFromRoot, runTasksInSerial, updateJson, type Tree } from '@nx/devkit';
import { join } from 'node:path';
import { UserError } from '../../utils/user-error';
import { workspaceDirectory } from '../../utils/workspace-directory';
import { initGenerator } from '../init/init';
import type { LibGeneratorSchema } from './schema';

const BASE_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ES2022',
    moduleResolution: 'bundler',
    lib: ['ES2022'],
    strict: true,
    skipLibCheck: true,
    baseUrl: '.',
    paths: {},
  },
  exclude: ['node_modules', 'tmp', 'dist'],
};

export function importPathFor(name: string): string {
  return `@shared/${name}`;
}

/** Adds (or keeps) the `@shared/<name>` alias; other paths and options are left as they are. */
export function ensureBaseTsconfig(tree: Tree): void {
  if (!tree.exists('tsconfig.base.json')) tree.write('tsconfig.base.json', JSON.stringify(BASE_TSCONFIG, null, 2));
}

export function addPathAlias(tree: Tree, importPath: string, entry: string): void {
  ensureBaseTsconfig(tree);
  updateJson<{ compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } }>(tree, 'tsconfig.base.json', (json) => {
    json.compilerOptions ??= {};
    json.compilerOptions.baseUrl ??= '.';
    json.compilerOptions.paths ??= {};
    const current = json.compilerOptions.paths[importPath];
    if (current && !(current.length === 1 && current[0] === entry)) {
      throw new UserError(`tsconfig.base.json already maps ${importPath} to ${current.join(', ')}. Pick another library name.`);
    }
    json.compilerOptions.paths[importPath] = [entry];
    return json;
  });
}

export async function libGenerator(tree: Tree, schema: LibGeneratorSchema) {
  const name = names(schema.name).fileName;
  const projectRoot = schema.directory !== undefined ? workspaceDirectory(tree.root, schema.directory) : `libs/${name}`;
  const importPath = importPathFor(name);
  const entry = `${projectRoot}/src/index.ts`;
  const existing = getProjects(tree).get(name);
  // Running it again for the same library is a no-op; another project of that name is an error.
  if (existing && existing.root !== projectRoot) {
    throw new UserError(`Project "${name}" already exists at ${existing.root}. Choose another name, or pass --directory.`);
  }
  const initTask = await initGenerator(tree, { skipFormat: true, skipPackageJson: schema.skipPackageJson, keepScripts: true });
  if (!existing) {
    generateFiles(tree, join(__dirname, 'files'), projectRoot, {
      name,
      importPath,
      offsetFromRoot: offsetFromRoot(projectRoot),
      tmpl: '',
    });
    const tags = ['type:lib', ...(schema.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean)];
    addProjectConfiguration(tree, name, {
      root: projectRoot,
      projectType: 'library',
      sourceRoot: `${projectRoot}/src`,
      tags: [...new Set(tags)],
      targets: {
        test: {
          executor: '@aero/nx-edge:test',
          cache: true,
          inputs: ['default', '^production'],
          outputs: ['{workspaceRoot}/coverage/{projectRoot}'],
        },
      },
    });
  }
  addPathAlias(tree, importPath, entry);
  if (!schema.skipFormat) await formatFiles(tree);
  return runTasksInSerial(initTask);
}

export default libGenerator;
