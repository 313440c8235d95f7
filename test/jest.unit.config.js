// Host unit tests: no RDMA device needed. Runs the TypeScript compiled by `npm run build`.
module.exports = {
  rootDir: '../dist/test/unit',
  testMatch: ['**/*.test.js'],
  testEnvironment: 'node',
  testTimeout: 120000,
};
