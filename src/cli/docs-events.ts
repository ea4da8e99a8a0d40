/**
 * `npm run docs:events`: rewrites the generated event reference of docs/events.md from the modules' event
 * catalogues. Not an `ordo` command: it edits this repository's docs, not a running installation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withEventReference } from '../integration/index.js';

// dist/src/cli/docs-events.js → the repository root.
const file = new URL('../../../docs/events.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withEventReference(before);
if (after === before) {
  console.log('docs/events.md is up to date');
} else {
  writeFileSync(file, after);
  console.log('docs/events.md: reference rewritten');
}
