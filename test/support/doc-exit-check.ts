/**
 * Preloaded (`node -r`) into each documentation example the integration suite runs. When the
 * example's process exits, before the addon's cleanup hook releases whatever is still open, it
 * writes to `$NDK_VERBS_DOC_REPORT` the process warnings the example emitted and the verbs objects
 * the kernel still holds for the process: what the example forgot to close.
 */

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

import { type KernelObject, taskIds } from './kernel';

const KINDS = ['mr', 'pd', 'qp', 'cq'] as const;

/** What the example left behind; written as JSON. */
export interface DocExitReport {
  readonly warnings: string[];
  /** Per kind (mr, pd, qp, cq): how many objects of this process the kernel still holds. */
  readonly leftInKernel: Record<(typeof KINDS)[number], number>;
}

/**
 * The kernel's objects of this process, per kind. One shell runs the four `rdma` queries: each
 * process started from Node costs a fork of Node, which is slow in the emulated VM.
 */
function objectsLeft(): DocExitReport['leftInKernel'] {
  // Each kind's JSON follows a `#kind` line, so a kind with empty output cannot shift the others.
  const script = KINDS.map((kind) => `echo '#${kind}'; rdma -j resource show ${kind}`).join('; ');
  const sections = execFileSync('sh', ['-c', script])
    .toString()
    .split(/^#(\w+)$/m);
  const tasks = taskIds();
  tasks.add(process.pid);
  const count = (kind: string) => {
    const at = sections.indexOf(kind);
    if (at < 0) throw new Error(`doc-exit-check: no '#${kind}' section in the rdma output`);
    const json = sections[at + 1].trim() || '[]';
    return (JSON.parse(json) as KernelObject[]).filter(
      (row) => typeof row.pid === 'number' && tasks.has(row.pid),
    ).length;
  };
  return { mr: count('mr'), pd: count('pd'), qp: count('qp'), cq: count('cq') };
}

const reportFile = process.env.NDK_VERBS_DOC_REPORT;
if (!reportFile) throw new Error('doc-exit-check: NDK_VERBS_DOC_REPORT is not set');

const warnings: string[] = [];
process.on('warning', (warning: Error & { code?: string }) => {
  warnings.push(`${warning.name}${warning.code ? ` [${warning.code}]` : ''}: ${warning.message}`);
});

process.on('exit', () => {
  const report: DocExitReport = { warnings, leftInKernel: objectsLeft() };
  writeFileSync(reportFile, JSON.stringify(report));
});
