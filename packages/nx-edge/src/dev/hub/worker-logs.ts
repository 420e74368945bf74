// Every Worker of a session shares workerd's stdout/stderr. Each dev bundle starts with a tiny
// banner that prefixes its console output with an invisible tag naming its service, so the hub
// can attribute lines; workerd's own messages name the Worker as `core:user:<name>`.

const TAG_START = '\u001e';
const TAG_END = '\u001f';

export function consoleTagBanner(service: string): string {
  const tag = JSON.stringify(`${TAG_START}${service}${TAG_END}`);
  // Once per isolate: a version swapped in place evaluates this again in the same global scope.
  return `{const t=${tag},k=Symbol.for("nx-edge.console-tag");if(!globalThis[k]){globalThis[k]=1;for(const l of ["log","info","warn","error","debug","trace"]){const o=console[l];if(typeof o==="function"){const b=o.bind(console);console[l]=(...a)=>b(t,...a)}}}}`;
}

const TAGGED = new RegExp(`^${TAG_START}([^${TAG_END}]+)${TAG_END} ?`);
const WORKERD_SERVICE = /core:user:([A-Za-z0-9_.-]+)/;

/**
 * Which service a workerd output line belongs to, and its text without the tag. An untagged line
 * continues the previous tagged one (multi-line messages, stacks) unless it is workerd's own.
 */
export function attributeWorkerLine(
  line: string,
  serviceOfWorker: (workerName: string) => string | undefined,
  previous: string | undefined,
): { service: string | undefined; text: string } {
  const tagged = TAGGED.exec(line);
  if (tagged) return { service: tagged[1], text: line.slice(tagged[0].length) };
  const named = WORKERD_SERVICE.exec(line);
  if (named) return { service: serviceOfWorker(named[1]) ?? previous, text: line };
  // workerd's own diagnostics start with their source path; anything else continues the last message.
  return { service: line.startsWith('workerd/') ? undefined : previous, text: line };
}
