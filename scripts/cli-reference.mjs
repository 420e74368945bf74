// `npm run docs:cli`: writes docs/cli.md from the nx-edge commands' own definitions (the built package).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
/** @type {{ cliReference(): string }} */
const { cliReference } = require(join(root, 'packages/nx-edge/dist/src/cli/reference.js'));
writeFileSync(join(root, 'docs', 'cli.md'), cliReference());
console.log('docs/cli.md written');
