import type { DurableObjectBinding } from '../wrangler-config';
import type { BindingKind } from './binding-kind';

const bindings = (section: { durable_objects?: { bindings?: DurableObjectBinding[] } }) => (section.durable_objects?.bindings ?? []).filter((d) => d && typeof d === 'object');

/** Durable Object namespaces: a class of this Worker, or of another (`script_name`: an edge). */
export const durableObjects: BindingKind = {
  key: 'durable_objects',
  label: 'Durable Object namespace',
  names: (section) => bindings(section).map((d) => d.name).filter(Boolean),
  references: (section) => bindings(section).flatMap((d) => (d.script_name ? [{ kind: 'durable_object' as const, target: d.script_name, binding: d.name }] : [])),
  local: (section) => {
    const dos = bindings(section);
    return dos.length ? { durableObjects: Object.fromEntries(dos.map((d) => [d.name, d.script_name ? { className: d.class_name, scriptName: d.script_name } : d.class_name])) } : {};
  },
  generator: {
    type: 'do',
    label: 'Durable Object namespace',
    defaultName: 'OBJECT',
    path: ['durable_objects', 'bindings'],
    item: ({ binding, className, scriptName }) => ({ name: binding, class_name: className, ...(scriptName ? { script_name: scriptName } : {}) }),
  },
  // Objects live in their own storage, which a test cannot list and empty.
  keepsStateBetweenTests: (section) => bindings(section).length > 0,
};
