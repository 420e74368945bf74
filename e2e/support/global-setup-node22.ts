// The e2e-node22 project's setup: the template workspace on Node 22 with the newest wrangler 4.x.
import { prepareTemplateWorkspace } from './template';

export default async function setup(): Promise<void> {
  await prepareTemplateWorkspace('22');
}
