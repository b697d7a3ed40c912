// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    ignores: ['ui/**'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // the web UI (browser code, TSX): its own tsconfig
    files: ['ui/**/*.ts', 'ui/**/*.tsx', 'ui/**/*.mts'],
    languageOptions: { parserOptions: { project: './ui/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // the boundary: adapters know the contract and their VIM's client, never the orchestrator
    files: ['vim-adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./){3,}src(/|$)', message: 'adapters never import the orchestrator (src/)' }] },
      ],
    },
  },
  {
    // only adapters talk to VIMs
    files: ['src/**/*.ts'],
    ignores: ['src/vims/vims.module.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['@kubernetes/client-node', 'axios', 'ssh2'].map((name) => ({
            name,
            message: 'VIM clients live in vim-adapters/',
          })),
          // the orchestrator knows the contract only; vims.module.ts wires the adapters into the registry
          patterns: [
            {
              regex: 'vim-adapters/(?!contract/)',
              message: 'use the adapter contract; adapters are wired in src/vims/vims.module.ts',
            },
          ],
        },
      ],
    },
  },
);
