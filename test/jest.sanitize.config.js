// `npm run test:sanitize` (scripts/sanitize.sh): the whole integration suite, plus the tests that
// need the test hooks compiled into the addon (test/sanitize), against an addon built with
// AddressSanitizer and UndefinedBehaviorSanitizer. Only this configuration runs test/sanitize: in
// the normal build its hooks do not exist, and its tests would fail rather than pass.
module.exports = {
  rootDir: '../dist/test',
  testMatch: ['<rootDir>/integration/**/*.test.js', '<rootDir>/sanitize/**/*.test.js'],
  testEnvironment: 'node',
  testTimeout: 600000,
  maxWorkers: 1,
};
