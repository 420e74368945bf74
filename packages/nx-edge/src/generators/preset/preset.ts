import { runTasksInSerial, type Tree } from '@nx/devkit';
import { functionGenerator } from '../function/function';
import { libGenerator } from '../lib/lib';
import type { FunctionGeneratorSchema } from '../function/schema';
import type { PresetGeneratorSchema } from './schema';

/**
 * `create-nx-workspace <name> --preset=@aero/nx-edge`: the plugin, one Worker and one shared library,
 * each with a passing test (templates are written formatted). create-nx-workspace installs the packages.
 */
export async function presetGenerator(tree: Tree, options: PresetGeneratorSchema) {
  const worker = options.worker ?? 'api';
  const lib = options.lib ?? 'common';
  const functionTask = await functionGenerator(tree, {
    name: worker,
    framework: (options.framework ?? 'none') as FunctionGeneratorSchema['framework'],
    skipFormat: true,
  });
  const libTask = await libGenerator(tree, { name: lib, skipFormat: true });
  return runTasksInSerial(functionTask, libTask);
}

export default presetGenerator;
