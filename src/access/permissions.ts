/**
 * Who may do what. Each route declares one permission; each role is granted a fixed set. The tables are typed so
 * that a role without an entry, or an entry naming an unknown permission, does not compile.
 */
export const permissions = [
  'catalog:read',
  'catalog:write',
  'location:read',
  'location:write',
  'channel:read',
  'channel:write',
  'inventory:read',
  'inventory:write',
  'inventory:reserve',
  'inventory:sync',
  'inventory:approve',
  'carrier:read',
  'carrier:write',
  'customer:read',
  'customer:write',
  'order:read',
  'order:write',
  'order:review',
  'order:rules',
  'access:manage',
  'audit:read',
] as const;
export type Permission = (typeof permissions)[number];

export const roles = ['admin', 'operator', 'warehouse', 'finance', 'viewer', 'integration'] as const;
export type Role = (typeof roles)[number];

// Customers' personal data is not for every role: warehouse staff see orders and stock, not the customer file.
const readAll: Permission[] = permissions.filter((p) => p.endsWith(':read') && p !== 'audit:read' && p !== 'customer:read');

export const rolePermissions = {
  admin: [...permissions],
  operator: [...readAll, 'catalog:write', 'location:write', 'channel:write', 'carrier:write', 'inventory:write', 'inventory:reserve',
    'inventory:approve', 'customer:read', 'customer:write', 'order:write', 'order:review', 'order:rules'],
  warehouse: [...readAll, 'inventory:write'],
  finance: [...readAll, 'audit:read', 'customer:read'],
  viewer: [...readAll],
  integration: [...readAll, 'catalog:write', 'location:write', 'inventory:write', 'inventory:reserve', 'inventory:sync',
    'customer:read', 'customer:write', 'order:write'],
} as const satisfies Record<Role, readonly Permission[]>;

export const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);

export const roleHas = (role: Role, permission: Permission): boolean =>
  (rolePermissions[role] as readonly Permission[]).includes(permission);
