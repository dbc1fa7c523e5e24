// One jest run = one isolated world: test/support/global-setup.ts creates a
// database, a JetStream subject prefix and stream names for this run only,
// and global-teardown.ts removes them.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = { '^@tilemud/(contracts|domain|runtime)$': '<rootDir>/libs/$1/src' };
const base = { transform: { '^.+\\.(t|j)sx?$': swc }, moduleNameMapper, testEnvironment: 'node' };
// The browser client: TSX with React's automatic runtime; component tests opt into jsdom per file.
const swcClient = (tsx) => [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript', tsx }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' },
    module: { type: 'commonjs' },
  },
];
const client = {
  transform: { '^.+\\.tsx$': swcClient(true), '^.+\\.(t|j)s$': swcClient(false) },
  moduleNameMapper: { ...moduleNameMapper, '\\.css$': '<rootDir>/client/test-support/style-stub.js' },
  testEnvironment: 'node',
};
// Every child process a suite started is stopped after its file, pass or fail (test/support/processes.ts).
const world = { globalSetup: '<rootDir>/test/support/global-setup.ts', globalTeardown: '<rootDir>/test/support/global-teardown.ts', setupFilesAfterEnv: ['<rootDir>/test/support/process-guard.ts'] };

module.exports = {
  testTimeout: 30000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/libs/*/src/**/*.test.ts', '<rootDir>/apps/*/src/**/*.test.ts'] },
    { ...base, ...world, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...base, ...world, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // Prometheus rules and config checked and unit-tested by promtool; log rotation (no services needed).
    { ...base, displayName: 'ops', testMatch: ['<rootDir>/test/ops/**/*.test.ts'] },
    { ...client, displayName: 'client', testMatch: ['<rootDir>/client/src/**/*.test.ts?(x)'] },
    // Debian's chromium driven by playwright-core, against the three apps and the built client.
    { ...base, ...world, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
