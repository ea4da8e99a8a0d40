import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { roles } from './permissions.js';
import { renderPermissionTables, withPermissionTables } from './permissions-doc.js';

describe('docs/access.md', () => {
  it('holds the role tables as the code has them (run `npm run docs:permissions` after changing permissions)', () => {
    const doc = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
    expect(doc).toBe(withPermissionTables(doc));
  });

  it('renders a column per role and a row per permission', () => {
    const tables = renderPermissionTables();
    expect(tables).toContain(`| permission | ${roles.join(' | ')} | allows |`);
    expect(tables).toContain('| `order:ship` | ✓ | ✓ | ✓ |  |  | ✓ |');
    expect(tables).toContain('| `shippingAddress` | shown | shown | shown | shown | masked | shown |');
  });
});
