/**
 * Type-checks documentation blocks the way a user's project sees the package: each block is its own
 * file in a scratch project whose `node_modules/ndk-verbs` is this checkout, so `ndk-verbs` resolves
 * to the published types (`dist/lib/index.d.ts`). TypeScript blocks are also transpiled here, on the
 * host, because TypeScript runs about 20 times slower inside the VM.
 */

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';

import { type DocBlock, REPO_ROOT } from './doc-blocks';

/** What the compiler said about each block, and the JavaScript of each TypeScript block. */
export interface BlockCheck {
  /** Per block id: `file:line:column TSnnnn message`, empty when the block type-checks. */
  readonly diagnostics: Map<string, string[]>;
  /** Per TypeScript block id: its CommonJS output. */
  readonly javascript: Map<string, string>;
}

// As strict as the package's own sources. NodeNext: a .mjs block is an ES module and the rest are
// CommonJS, as Node runs them.
const TYPESCRIPT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  allowJs: true,
  checkJs: true,
  types: ['node'],
  typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
  skipLibCheck: true,
  noEmitOnError: false,
};

// JavaScript as a user's `checkJs` project sees it: every call and property is checked, but plain
// JavaScript has no annotations to give its callbacks' parameters.
const JAVASCRIPT_OPTIONS: ts.CompilerOptions = { ...TYPESCRIPT_OPTIONS, noImplicitAny: false };

/**
 * Type-checks `blocks` (one file per block, one program per language) and transpiles the
 * TypeScript ones.
 */
export function checkBlocks(blocks: readonly DocBlock[], root: string = REPO_ROOT): BlockCheck {
  const scratch = mkdtempSync(join(tmpdir(), 'ndk-verbs-doc-check-'));
  try {
    mkdirSync(join(scratch, 'node_modules'));
    symlinkSync(root, join(scratch, 'node_modules', 'ndk-verbs'), 'dir');
    const diagnostics = new Map(blocks.map((block) => [block.id, [] as string[]]));
    const javascript = new Map<string, string>();
    for (const [language, options] of [
      ['ts', TYPESCRIPT_OPTIONS],
      ['js', JAVASCRIPT_OPTIONS],
    ] as const) {
      const files = new Map<string, DocBlock>();
      blocks.forEach((block, index) => {
        if (block.language !== language) return;
        const file = join(scratch, `block-${index}.${extension(block)}`);
        writeFileSync(file, block.source);
        files.set(file, block);
      });
      if (files.size === 0) continue;
      const program = ts.createProgram([...files.keys()], {
        ...options,
        outDir: join(scratch, 'out'),
      });
      const first = files.values().next().value!;
      for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const block = diagnostic.file && files.get(diagnostic.file.fileName);
        diagnostics.get((block || first).id)!.push(describe(diagnostic, block));
      }
      for (const [id, text] of transpile(program, files)) javascript.set(id, text);
    }
    return { diagnostics, javascript };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function extension(block: DocBlock): string {
  if (block.language === 'ts') return 'ts';
  return block.esm ? 'mjs' : 'js';
}

function transpile(program: ts.Program, files: Map<string, DocBlock>): Map<string, string> {
  const javascript = new Map<string, string>();
  for (const [file, block] of files) {
    if (block.language !== 'ts') continue;
    program.emit(program.getSourceFile(file), (name, text) => {
      if (name.endsWith('.js')) javascript.set(block.id, text);
    });
  }
  return javascript;
}

// A diagnostic outside every block (a broken option, say) is charged to the program's first block,
// so it fails the test rather than vanishing.
function describe(diagnostic: ts.Diagnostic, block: DocBlock | undefined | ''): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!block || !diagnostic.file || diagnostic.start === undefined) {
    return `TS${diagnostic.code} ${message}`;
  }
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  // The block's first line is the line after its fence.
  return `${block.file}:${block.line + 1 + line}:${character + 1} TS${diagnostic.code} ${message}`;
}
