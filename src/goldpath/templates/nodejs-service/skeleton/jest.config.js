'use strict';

/** Jest settings: coverage and a JUnit report for GitLab; local CI runs stay out of the way. */
module.exports = {
  testEnvironment: 'node',
  // Shared CI runners can be slow; a hung test still fails, just not on a busy machine.
  testTimeout: 20000,
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '/.gitlab-ci-local/'],
  modulePathIgnorePatterns: ['<rootDir>/.gitlab-ci-local/', '<rootDir>/.npm/', '<rootDir>/.cache/'],
  collectCoverageFrom: ['src/**/*.js'],
  coverageDirectory: 'coverage',
  coverageReporters: ['text', 'text-summary', 'cobertura', 'lcov'],
  coverageThreshold: { global: { lines: 80, branches: 65 } },
  reporters: ['default', ['jest-junit', { outputDirectory: 'reports', outputName: 'junit.xml' }]],
};
