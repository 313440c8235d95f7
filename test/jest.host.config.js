// Host tests: no RDMA device needed (the VM CLI test boots the VM itself, so they are not "unit"
// tests). Runs the TypeScript compiled by `npm run build`.
module.exports = {
  rootDir: '../dist/test/host',
  testMatch: ['**/*.test.js'],
  testEnvironment: 'node',
  // Already JavaScript: no babel pass.
  transform: {},
  testTimeout: 120000,
};
