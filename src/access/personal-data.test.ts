import { describe, expect, it } from 'vitest';
import { personalDataLevel } from './personal-data.js';
import { roleHas, roles } from './permissions.js';

describe('personal data levels', () => {
  it('gives each role the level its permissions say', () => {
    expect(Object.fromEntries(roles.map((r) => [r, personalDataLevel(r)]))).toEqual({
      admin: 'full', operator: 'full', warehouse: 'shipping', finance: 'full', viewer: 'masked', integration: 'full',
    });
  });

  it('grants the audit log and customer writes only with customer:read, since neither answer is masked', () => {
    // The audit log's details are written as the change was made, and a customer write answers with the customer.
    for (const role of roles) {
      if (roleHas(role, 'audit:read') || roleHas(role, 'customer:write')) expect(roleHas(role, 'customer:read'), role).toBe(true);
    }
  });
});
