// Two projects: `unit` runs in milliseconds with no broker; `integration` shares one real
// Kafka broker started by test/global-setup.ts (each test uses its own topic and group).
const shared = {
  testEnvironment: 'node',
  // Every response a test receives from an in-process service is checked against its service's
  // OpenAPI document (status, content type, JSON body).
  setupFilesAfterEnv: ['<rootDir>/test/support/check-responses.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleNameMapper: {
    '^@kafka-http/common$': '<rootDir>/common/src',
    '^@kafka-http/local-kafka$': '<rootDir>/tools/local-kafka/src',
    // The tests' shared helpers, from any depth: `@test-support/kafka`, not ../../../test/support.
    '^@test-support/(.*)$': '<rootDir>/test/support/$1',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests wait on a real broker; each waits for events with its own deadlines.
  testTimeout: 120_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/**/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
};
