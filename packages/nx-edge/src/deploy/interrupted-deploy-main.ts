// Run detached by the deploy executor when a deploy is interrupted: Nx kills a stopped run's task processes
// after a few seconds, too soon to ask the API what is live; this process is not theirs. It reads the
// deploy's progress from the file named on its command line (deleted at once: no secret is in it), asks,
// records the answer in the history and tells the terminal, if there is one.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createWranglerRunner } from '../wrangler/wrangler-cli';
import { recordInterruptedDeploy, summaryLine, type InterruptedDeploy } from './interrupted-deploy';
import { appendDeploymentRecord, type DeploymentRecord } from './deploy-history';

function tellTerminal(line: string): void {
  try {
    const tty = openSync('/dev/tty', 'w');
    writeSync(tty, `${line}\n`);
    closeSync(tty);
  } catch {
    // no terminal (CI): the line is in the history (npx nx-edge history --last-run)
  }
}

// Nx may still send this process the SIGTERM it sends a stopped run's tasks: finish regardless.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);

async function main(): Promise<void> {
  const file = process.argv[2];
  const ctx = JSON.parse(readFileSync(file, 'utf8')) as InterruptedDeploy & { workspaceRoot: string };
  rmSync(file, { force: true });
  // wrangler got the same signal: give it a moment to be gone before asking.
  await new Promise((resolve) => setTimeout(resolve, 500));
  let record: DeploymentRecord;
  try {
    record = await recordInterruptedDeploy(ctx, { runWrangler: createWranglerRunner(ctx.workspaceRoot) });
  } catch (error) {
    // Whatever failed, the history says the deploy was interrupted and that what is live is unknown.
    record = {
      time: new Date().toISOString(),
      runId: ctx.runId,
      project: ctx.project,
      worker: ctx.worker,
      env: ctx.env ?? '',
      result: 'failed',
      reason: `interrupted by ${ctx.signal}; which version is live could not be read back (${(error as Error).message.split('\n')[0]}): check with npx wrangler deployments status`,
    };
    appendDeploymentRecord(ctx.historyFile, record);
  }
  tellTerminal(`${ctx.project}: ${summaryLine(record)}`);
}

void main();
