/**
 * Every runnable JavaScript and TypeScript block of README.md and docs/*.md runs on real devices,
 * each as its own Node process, with `ndk-verbs` resolving to this checkout. A block fails when it
 * throws or exits non-zero, emits a process warning, or leaves a memory region, protection domain,
 * queue pair or completion queue in the kernel. TypeScript blocks run as the host test
 * (test/host/doc-examples.test.ts) transpiled them: TypeScript itself is too slow in the VM.
 */

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  allDocBlocks,
  type DocBlock,
  REPO_ROOT,
  TRANSPILED_DIR,
  transpiledName,
} from '../support/doc-blocks';
import { type DocExitReport } from '../support/doc-exit-check';
import { requireDevices } from '../support/devices';

const EXIT_CHECK = join(__dirname, '..', 'support', 'doc-exit-check.js');
// Node's own start-up takes seconds in the emulated VM; a block that needs a minute is stuck.
const BLOCK_TIMEOUT_MS = 120_000;

const runnable = allDocBlocks().filter((block) => block.compileOnly === undefined);
let scratch: string;
// Each block's problems, by id. The blocks run as many at a time as there are CPUs: most of a
// block's time is Node starting up, which a second vCPU halves. Every process is checked on its
// own (the kernel's objects are matched to its pid), so they cannot see each other's leftovers.
let outcomes: Map<string, Promise<string[]>>;

beforeAll(() => {
  // The examples use rxe0 and rxe1, the VM's two devices.
  const devices = requireDevices();
  if (devices.length < 2)
    throw new Error(`the examples need two devices, found ${devices.join(', ') || 'none'}`);
  scratch = mkdtempSync(join(tmpdir(), 'ndk-verbs-doc-run-'));
  mkdirSync(join(scratch, 'node_modules'));
  symlinkSync(REPO_ROOT, join(scratch, 'node_modules', 'ndk-verbs'), 'dir');
  outcomes = runAll(runnable, availableParallelism());
});

/** Starts every block, at most `parallel` at a time; each block's problems, by id. */
function runAll(blocks: readonly DocBlock[], parallel: number): Map<string, Promise<string[]>> {
  const settle = new Map<string, (problems: string[]) => void>();
  const outcomes = new Map(
    blocks.map((block) => [
      block.id,
      new Promise<string[]>((resolve) => settle.set(block.id, resolve)),
    ]),
  );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < blocks.length) {
      const index = next++;
      settle.get(blocks[index].id)!(await runBlock(blocks[index], index));
    }
  };
  for (let i = 0; i < parallel; i++) void worker();
  return outcomes;
}

async function runBlock(block: DocBlock, index: number): Promise<string[]> {
  try {
    const { code, extension } = programOf(block);
    return await problemsOf(`block-${index}`, code, extension);
  } catch (error) {
    return [String(error)];
  }
}

/** The program to run for a block: its own text, or what the host test transpiled it to. */
function programOf(block: DocBlock): { code: string; extension: string } {
  if (block.language === 'js') return { code: block.source, extension: block.esm ? 'mjs' : 'cjs' };
  const transpiled = join(TRANSPILED_DIR, transpiledName(block));
  if (!existsSync(transpiled)) {
    throw new Error(
      `${block.id} has not been transpiled since it last changed: run the host test first ` +
        '(npx jest -c test/jest.unit.config.js doc-examples)',
    );
  }
  return { code: readFileSync(transpiled, 'utf8'), extension: 'cjs' };
}

/** Runs `code` as its own process in the scratch project; returns what went wrong, if anything. */
async function problemsOf(name: string, code: string, extension: string): Promise<string[]> {
  const program = join(scratch, `${name}.${extension}`);
  const reportFile = join(scratch, `${name}.report.json`);
  writeFileSync(program, code);
  const child = spawn(process.execPath, ['-r', EXIT_CHECK, program], {
    cwd: scratch,
    env: { ...process.env, NDK_VERBS_DOC_REPORT: reportFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(timer);

  const problems: string[] = [];
  if (exitCode !== 0) problems.push(`exited with ${exitCode ?? signal}; stderr:\n${stderr}`);
  if (!existsSync(reportFile)) return [...problems, 'the exit check wrote no report'];
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as DocExitReport;
  problems.push(...report.warnings.map((warning) => `process warning: ${warning}`));
  for (const [kind, count] of Object.entries(report.leftInKernel)) {
    if (count !== 0) problems.push(`left in the kernel at exit: ${count} ${kind}`);
  }
  return problems;
}

describe('the documentation examples on real devices', () => {
  test('there are runnable examples', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(5);
  });

  test.each(runnable.map((block) => [block.id]))('%s runs cleanly', async (id) => {
    expect(await outcomes.get(id)).toEqual([]);
  });
});

describe('the example check', () => {
  test('fails a program that leaves a protection domain open, warns and exits non-zero', async () => {
    const leaky = [
      "const { openAdapter } = require('ndk-verbs');",
      'openAdapter().then(async (adapter) => {',
      '  globalThis.kept = await adapter.createPd();', // kept: no collection, no collection warning
      "  process.emitWarning('probe', { code: 'DOC_CHECK_PROBE' });",
      '  process.exitCode = 3;',
      '});',
    ].join('\n');
    expect(await problemsOf('leaky', leaky, 'cjs')).toEqual([
      expect.stringMatching(/^exited with 3;/),
      expect.stringMatching(/^process warning: Warning \[DOC_CHECK_PROBE\]: probe$/),
      'left in the kernel at exit: 1 pd',
    ]);
  });
});
