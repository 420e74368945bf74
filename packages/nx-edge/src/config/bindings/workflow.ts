import { envResourceName } from '../env-names';
import { listOf, type BindingKind } from './binding-kind';

interface WorkflowBinding {
  binding: string;
  /** The Workflow's name on the account. */
  name?: string;
  class_name?: string;
  /** The Worker that defines the class, when it is another one (an edge of the service graph). */
  script_name?: string;
}

const workflowsOf = (section: Parameters<BindingKind['names']>[0]) => listOf<WorkflowBinding>(section, 'workflows').filter((w) => typeof w.binding === 'string');

/** Workflows: run locally by Miniflare's Workflows engine (durable steps, in the session's state). */
export const workflows: BindingKind = {
  key: 'workflows',
  label: 'Workflow',
  names: (section) => workflowsOf(section).map((w) => w.binding),
  references: (section) => workflowsOf(section).flatMap((w) => (w.script_name ? [{ kind: 'workflow' as const, target: w.script_name, binding: w.binding }] : [])),
  local: (section, { workerName }) => {
    const list = workflowsOf(section).filter((w) => w.class_name);
    return list.length
      ? { workflows: Object.fromEntries(list.map((w) => [w.binding, { name: w.name ?? `${workerName}-${w.binding}`, className: w.class_name!, ...(w.script_name ? { scriptName: w.script_name } : {}) }])) }
      : {};
  },
  // A Workflow's instances live under its name: staging must not run production's.
  isolated: (section) => workflowsOf(section).flatMap((w) => (w.name ? [{ key: 'workflows', binding: w.binding, value: w.name, what: 'Workflow', isId: false }] : [])),
  generator: {
    type: 'workflow',
    label: 'Workflow',
    defaultName: 'WORKFLOW',
    path: ['workflows'],
    item: ({ binding, kebab, worker, env, className, scriptName }) => ({
      binding,
      name: envResourceName(`${worker}-${kebab}`, env),
      class_name: className,
      ...(scriptName ? { script_name: scriptName } : {}),
    }),
  },
  // Instances and their step results cannot be emptied from outside.
  keepsStateBetweenTests: (section) => workflowsOf(section).length > 0,
};
