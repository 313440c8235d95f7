// Lint configuration: type-checked rules for the TypeScript sources, basic rules for the few
// plain-JavaScript config files. Formatting is prettier's job, so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const typeScriptFiles = ['lib/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'];

export default defineConfig(
  {
    // Build output and dependencies are not ours to lint.
    ignores: ['dist/**', 'build/**', 'node_modules/**', 'coverage/**', 'bench-results/**'],
  },
  {
    files: typeScriptFiles,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A leading underscore marks a parameter or binding as deliberately unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // jest's `expect(obj.method)` patterns pass methods around unbound on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain-JavaScript configs (jest configs are CommonJS, this file is ESM): no type information.
    files: ['**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
      },
    },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module' },
  },
);
