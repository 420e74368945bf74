import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { WranglerConfig } from './wrangler-config';

// What a Worker's project is called: one rule, shared by the plugin (createNodes) and the generators (init).

/** A JSON file's object, or undefined when it is missing or does not parse. */
export function readJsonFile(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const stringField = (json: Record<string, unknown> | undefined, key: string): string | undefined => {
  const value = json?.[key];
  return typeof value === 'string' && value ? value : undefined;
};

export interface FolderJsons {
  projectJson?: Record<string, unknown>;
  packageJson?: Record<string, unknown>;
}

export function readFolderJsons(absoluteRoot: string): FolderJsons {
  return { projectJson: readJsonFile(join(absoluteRoot, 'project.json')), packageJson: readJsonFile(join(absoluteRoot, 'package.json')) };
}

/**
 * The Worker's project name, agreeing with Nx where Nx names the folder itself: project.json's name,
 * else package.json's when the folder is a package-manager workspace (Nx's package.json plugin makes a
 * project of it under that name), else the wrangler name (what people call the Worker), else the
 * package.json name, else the folder name. `fixed` says whether Nx would use the same name anyway.
 */
export function inferProjectName(
  absoluteRoot: string,
  config: WranglerConfig,
  inGlobs = true,
  // The folder's project.json and package.json, when the caller has read them already.
  jsons: FolderJsons = readFolderJsons(absoluteRoot),
): { name: string; fixed: boolean } {
  const projectJson = stringField(jsons.projectJson, 'name');
  if (projectJson) return { name: projectJson, fixed: true };
  const packageName = stringField(jsons.packageJson, 'name');
  if (packageName && inGlobs) return { name: packageName, fixed: true };
  return { name: config.name ?? packageName ?? basename(absoluteRoot), fixed: false };
}
