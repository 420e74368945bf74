import { envResourceName } from '../env-names';
import { listOf, remoteOnlyList, type BindingKind } from './binding-kind';

interface VectorizeBinding {
  binding: string;
  index_name?: string;
}

const base = remoteOnlyList('vectorize', 'Vectorize index');

/** Vectorize: remote-only (workerd has no local index), so dev binds a stand-in that fails naming it. */
export const vectorize: BindingKind = {
  ...base,
  isolated: (section) =>
    listOf<VectorizeBinding>(section, 'vectorize').flatMap((v) => (v.index_name ? [{ key: 'vectorize', binding: v.binding, value: v.index_name, what: 'Vectorize index', isId: false }] : [])),
  generator: {
    type: 'vectorize',
    label: 'Vectorize index (remote-only)',
    defaultName: 'VECTORIZE',
    path: ['vectorize'],
    item: ({ binding, kebab, worker, env }) => ({ binding, index_name: envResourceName(`${worker}-${kebab}`, env) }),
  },
};
