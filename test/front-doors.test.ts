/** The front-door lint rule catches a module reaching into another's files, and allows its index.ts. */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { frontDoorRule } from '../eslint.front-doors.js';

const lint = async (filePath: string, code: string) => {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: frontDoorRule as never }],
  });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
};

describe('module front doors', () => {
  it('refuses an import of another module\'s internal file', async () => {
    const messages = await lint('src/catalog/planted.ts', "import { findLevels } from '../inventory/stock.repository.js';\nexport const x = findLevels;\n");
    expect(messages).toEqual([expect.stringContaining("import the inventory module through its front door")]);
    expect(messages[0]).toMatch(/^no-restricted-imports/);
    expect(await lint('src/app-planted.ts', "import { orderChecks } from './order/check.js';\nexport const x = orderChecks;\n")).toHaveLength(1);
  });

  it('allows the front door and the module\'s own files', async () => {
    expect(await lint('src/catalog/planted.ts', "import { findLevels } from '../inventory/index.js';\nexport const x = findLevels;\n")).toEqual([]);
    expect(await lint('src/inventory/planted.ts', "import { findLevels } from './stock.repository.js';\nexport const x = findLevels;\n")).toEqual([]);
  });

});
