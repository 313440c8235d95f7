// Cross-host tests (`npm run test:hosts`): jest runs on this machine and drives runHosts, which
// boots SoftRoCE hosts on one virtual Ethernet; the programs each host runs are in
// test/hosts/guests. Compiled JavaScript (no babel pass, see jest.integration.config.js). One
// worker: each file boots its own hosts, and two pairs at once would only share the same cores.
module.exports = {
  rootDir: '../dist/test/hosts',
  testMatch: ['**/*.test.js'],
  testEnvironment: 'node',
  transform: {},
  testTimeout: 900000,
  maxWorkers: 1,
};
