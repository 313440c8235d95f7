// `ndk-verbs/testing` is published with its types: a user's TypeScript file that imports it
// type-checks against the package as installed (a scratch project whose node_modules/ndk-verbs is
// this checkout), under both module resolutions a project may use: node10 (`typesVersions`) and
// nodenext (`exports`). A misuse must still be an error, so the check can fail.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');

const USER_FILE = `
import { openFixture, expectNoLeaks, expectNdkError, kernelResources, type Fixture } from 'ndk-verbs/testing';
import { NtStatus } from 'ndk-verbs';

export async function check(): Promise<number> {
  const fixture: Fixture = await openFixture({ devices: ['rxe0', 'rxe1'] });
  const mr = await fixture.local.pd.createMr();
  await expectNdkError(() => mr.deregister(), NtStatus.STATUS_INVALID_DEVICE_STATE);
  await fixture.close();
  expectNoLeaks();
  return kernelResources().mrs.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
}
`;

function diagnostics(source: string, resolution: 'node10' | 'nodenext'): string[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ndk-verbs-testing-surface-'));
  try {
    fs.mkdirSync(path.join(scratch, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(scratch, 'node_modules', 'ndk-verbs'), 'dir');
    const file = path.join(scratch, 'user.ts');
    fs.writeFileSync(file, source);
    const nodenext = resolution === 'nodenext';
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'],
      module: nodenext ? ts.ModuleKind.NodeNext : ts.ModuleKind.CommonJS,
      moduleResolution: nodenext
        ? ts.ModuleResolutionKind.NodeNext
        : ts.ModuleResolutionKind.Node10,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      skipLibCheck: true,
      ignoreDeprecations: '6.0', // node10 still works in TypeScript 6, as users' projects use it
    });
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

it.each(['node10', 'nodenext'] as const)(
  "a user's file importing 'ndk-verbs/testing' type-checks (%s)",
  (resolution) => {
    expect(diagnostics(USER_FILE, resolution)).toEqual([]);
  },
);

it('a misuse is a type error, so the check above can fail', () => {
  const misuse = `import { openFixture } from 'ndk-verbs/testing';\nexport const f = openFixture({ devices: 'rxe0' });\n`;
  expect(diagnostics(misuse, 'nodenext').join('\n')).toMatch(/TS2322/);
});
