/**
 * `npm run docs:permissions`: rewrites the generated tables of docs/access.md from src/access/permissions.ts and
 * personal-data.ts. Not an `ordo` command: it edits this repository's docs, not a running installation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withPermissionTables } from '../access/index.js';

// dist/src/cli/docs-permissions.js → the repository root.
const file = new URL('../../../docs/access.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withPermissionTables(before);
if (after === before) {
  console.log('docs/access.md is up to date');
} else {
  writeFileSync(file, after);
  console.log('docs/access.md: tables rewritten');
}
