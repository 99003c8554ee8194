/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Every test file runs with a subscriber on every channel, and fails if a fixture token is published, logged or warned.
  setupFilesAfterEnv: ['<rootDir>/test/setup/leak-watch.ts'],
  transform: {
    // Types are checked by `npm run typecheck`; here each file is only compiled, to CommonJS, so that the
    // import() of an ES module (jose) becomes a require() jest can follow.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
    // jose 6 is ES modules only, and jest's module system on Node 20 cannot require them: compile it for the tests.
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
