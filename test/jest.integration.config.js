// Integration tests against real RDMA devices (the SoftRoCE VM's rxe0/rxe1, or the host's own).
// Compiled on the host first: JavaScript runs ~20x slower in the emulated VM, so nothing is
// transformed there — `transform: {}` turns off jest's default babel pass, which would otherwise run
// over every file on every boot (the guest's cache directory is thrown away with the VM). One
// worker: tests count the process's MRs in the kernel.
module.exports = {
  rootDir: '../dist/test/integration',
  testMatch: ['**/*.test.js'],
  testEnvironment: 'node',
  transform: {},
  testTimeout: 300000,
  maxWorkers: 1,
};
