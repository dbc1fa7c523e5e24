// ESLint over the TypeScript of apps/, libs/, client/src and test/ with typescript-eslint's
// type-checked recommended rules, and the plain JS of scripts/ without type information.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // client/vite.config.ts is Vite's own config, outside the client's tsconfig project.
  { ignores: ['**/dist/**', '**/node_modules/**', 'client/vite.config.ts'] },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'client/src/**/*.{ts,tsx}', 'test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `const { away: _, ...rest } = c` is how this code copies an object without one of its keys.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Fakes implement promise-returning contracts: `async` makes their throws rejections, as in the real ones.
    files: ['**/*.test.{ts,tsx}', 'client/src/test/**', 'test/**'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // The classic rules of hooks only: the plugin's recommended set adds the React Compiler's rules, and this client is not compiled by it.
    files: ['client/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['scripts/**/*.{js,mjs}', '*.{js,mjs}', 'client/test-support/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
);
