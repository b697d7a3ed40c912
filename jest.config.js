/**
 * One runner for unit (`*.spec.ts`, next to the code) and API tests (`test/e2e/*.e2e-spec.ts`).
 * MANO_TEST_DB=postgres runs the API tests on PostgreSQL instead of SQLite.
 *
 * NestJS 12 ships ES modules only. Node 20 loads them from our CommonJS build natively, but Jest's
 * own module loader cannot (before Node 24.9), so those packages are compiled to CommonJS by babel here.
 */
const ESM_PACKAGES = [
  '@nestjs',
  'file-type',
  '@standard-schema',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  '@kubernetes/client-node',
  'jsonpath-plus',
  'openid-client',
  'oauth4webapi',
  'jose',
  'rfc4648',
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/vim-adapters', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
    '^.+\\.m?js$': [
      'babel-jest',
      {
        babelrc: false,
        configFile: false,
        plugins: [
          require.resolve('./test/utils/babel-cjs-require.js'),
          'babel-plugin-transform-import-meta',
          '@babel/plugin-transform-modules-commonjs',
        ],
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  maxWorkers: 2,
  testTimeout: 30000,
};
