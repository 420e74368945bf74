// Runs once per e2e run: builds (or reuses) a template Nx workspace with our packed packages
// installed, which every e2e test copies. See README.md beside this file.
import { prepareTemplateWorkspace } from './template';

export default async function setup(): Promise<void> {
  await prepareTemplateWorkspace();
}
