import { logger, type Tree } from '@nx/devkit';
import { join } from 'node:path';

/** The spec the function generator writes; other specs are the user's to change. */
const SPEC_FILE = join('src', 'index.spec.ts');

/** Index just past the bracket that closes the one at `open`, skipping strings and comments. */
function closingIndex(text: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) return -1;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i) + 1;
      if (i <= 0) return -1;
    } else if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Makes the Worker's generated spec start the bound Worker beside it (`services: { USERS: { projectRoot:
 * '../users' } }`), so the spec stays green when the code starts calling the binding. Said, not done,
 * when the spec is not the shape the generator wrote.
 */
export function addServiceStandIn(tree: Tree, projectRoot: string, binding: string, targetRoot: string): void {
  const file = join(projectRoot, SPEC_FILE);
  const entry = `${binding}: { projectRoot: '${targetRoot.replace(/\\/g, '/')}' }`;
  const text = tree.exists(file) ? tree.read(file, 'utf-8')! : undefined;
  const call = text?.indexOf('startWorker({') ?? -1;
  const objectStart = call >= 0 ? call + 'startWorker('.length : -1;
  const objectEnd = text && objectStart >= 0 ? closingIndex(text, objectStart) : -1;
  if (!text || objectEnd < 0 || text.indexOf('startWorker({', objectEnd) >= 0) {
    logger.info(`nx-edge: to run ${binding}'s Worker in ${file}'s tests, pass startWorker({ services: { ${entry} } }) (or a handler standing in for it).`);
    return;
  }
  const object = text.slice(objectStart, objectEnd);
  if (new RegExp(`\\b${binding}\\s*:`).test(object)) return;
  const services = /\bservices\s*:\s*\{/.exec(object);
  const inner = object.slice(1, -1).replace(/[\s,]*$/, '');
  const updated = services
    ? `${object.slice(0, services.index + services[0].length)} ${entry},${object.slice(services.index + services[0].length)}`
    : `{${inner}${inner.trim() ? ',' : ''} services: { ${entry} } }`;
  tree.write(file, text.slice(0, objectStart) + updated + text.slice(objectEnd));
  logger.info(`nx-edge: ${file} now runs the Worker in ${targetRoot} behind ${binding} (startWorker's services option), so the spec stays green.`);
}
