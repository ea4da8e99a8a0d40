// @ts-check
/**
 * Module front doors: a module is imported by other modules only through its index.ts. Within a module, files
 * import each other freely; tests may reach inside (they test the parts). test/front-doors.test.ts plants a
 * violation and checks that this rule catches it.
 */
export const modules = ['access', 'catalog', 'channel', 'connector', 'customer', 'fulfillment', 'inventory', 'integration', 'location', 'order', 'sourcing', 'transfer'];

export const frontDoorRule = {
  'no-restricted-imports': ['error', {
    patterns: modules.map((m) => ({
      group: [`../${m}/*`, `!../${m}/index.js`, `./${m}/*`, `!./${m}/index.js`],
      message: `import the ${m} module through its front door, '${m}/index.js' (docs/conventions.md, "Module front doors")`,
    })),
  }],
};

// src/db/types.ts is generated (npm run db:types) and names the order status type where it is defined.
export default { files: ['src/**/*.ts'], ignores: ['src/db/types.ts'], rules: frontDoorRule };
