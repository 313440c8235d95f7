/**
 * Preloaded (`node -r`) into each documentation example the integration suite runs. When the
 * example's process exits, before the addon's cleanup hook releases whatever is still open, it
 * writes to `$NDK_VERBS_DOC_REPORT` the process warnings the example emitted and the verbs objects
 * the kernel still holds for the process: what the example forgot to close.
 */

import { writeFileSync } from 'node:fs';

import { kernelObjects } from '../integration/support/kernel';

/** What the example left behind; written as JSON. */
export interface DocExitReport {
  readonly warnings: string[];
  /** Per kind (mr, pd, qp, cq): how many objects of this process the kernel still holds. */
  readonly leftInKernel: Record<'mr' | 'pd' | 'qp' | 'cq', number>;
}

const reportFile = process.env.NDK_VERBS_DOC_REPORT;
if (!reportFile) throw new Error('doc-exit-check: NDK_VERBS_DOC_REPORT is not set');

const warnings: string[] = [];
process.on('warning', (warning: Error & { code?: string }) => {
  warnings.push(`${warning.name}${warning.code ? ` [${warning.code}]` : ''}: ${warning.message}`);
});

process.on('exit', () => {
  const report: DocExitReport = {
    warnings,
    leftInKernel: {
      mr: kernelObjects('mr').length,
      pd: kernelObjects('pd').length,
      qp: kernelObjects('qp').length,
      cq: kernelObjects('cq').length,
    },
  };
  writeFileSync(reportFile, JSON.stringify(report));
});
