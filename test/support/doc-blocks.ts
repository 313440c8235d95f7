/**
 * The JavaScript and TypeScript code blocks of the documentation (README.md and docs/*.md), as the
 * host test type-checks them and the integration suite runs them.
 *
 * A block runs as its own program unless the line before its opening fence marks it
 * `<!-- example: compile-only: <why> -->`; then it is only type-checked. Any other
 * `<!-- example: … -->` comment is an error, so a misspelt mark cannot quietly change what is checked.
 */

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file runs as dist/test/support/doc-blocks.js). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** Where the host test writes the transpiled TypeScript blocks for the integration suite. */
export const TRANSPILED_DIR = join(REPO_ROOT, 'dist', 'doc-examples');

export type BlockLanguage = 'js' | 'ts';

/** One fenced code block. */
export interface DocBlock {
  /** `file:line` of the opening fence, e.g. `docs/api.md:42`: how failures name the block. */
  readonly id: string;
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: BlockLanguage;
  /** An ES module (has a top-level `import` or `export`): run as `.mjs` when it is JavaScript. */
  readonly esm: boolean;
  /** The code, without the fences and without the indentation of the fence. */
  readonly source: string;
  /** Why the block is only type-checked; undefined for a block that runs. */
  readonly compileOnly: string | undefined;
}

const LANGUAGES: Record<string, BlockLanguage> = {
  js: 'js',
  javascript: 'js',
  ts: 'ts',
  typescript: 'ts',
};
const OPENING_FENCE = /^(\s*)```\s*([\w-]*)\s*$/;
const CLOSING_FENCE = /^\s*```\s*$/;
const MARK = /^\s*<!--\s*example:(.*)-->\s*$/;
const COMPILE_ONLY = /^\s*compile-only:\s*(\S.*?)\s*$/;
const MODULE_SYNTAX = /^(import|export)\s/m;

/** README.md and every docs/*.md, in a stable order. */
export function documentationFiles(root: string = REPO_ROOT): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Every JavaScript and TypeScript block of the documentation. */
export function allDocBlocks(root: string = REPO_ROOT): DocBlock[] {
  return documentationFiles(root).flatMap((file) =>
    extractBlocks(file, readFileSync(join(root, file), 'utf8')),
  );
}

/**
 * The JavaScript and TypeScript blocks of one Markdown text (blocks of other languages are skipped).
 * @throws Error for an unterminated fence or a malformed `<!-- example: … -->` mark.
 */
export function extractBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const opening = OPENING_FENCE.exec(lines[i]);
    if (!opening) continue;
    const [, indent, tag] = opening;
    const end = lines.findIndex((text, j) => j > i && CLOSING_FENCE.test(text));
    if (end < 0) throw new Error(`${file}:${i + 1}: code fence never closed`);
    const language = LANGUAGES[tag.toLowerCase()];
    refuseDetachedMark(file, lines, i);
    if (language !== undefined) {
      const source = lines
        .slice(i + 1, end)
        .map((text) => (text.startsWith(indent) ? text.slice(indent.length) : text))
        .join('\n');
      blocks.push({
        id: `${file}:${i + 1}`,
        file,
        line: i + 1,
        language,
        esm: MODULE_SYNTAX.test(source),
        source: `${source}\n`,
        compileOnly: compileOnlyReason(file, i, lines[i - 1]),
      });
    }
    i = end;
  }
  return blocks;
}

// `markLine` is the 1-based line of `before`, the line right before the fence.
function compileOnlyReason(file: string, markLine: number, before: string | undefined) {
  const mark = before === undefined ? null : MARK.exec(before);
  if (!mark) return undefined;
  const reason = COMPILE_ONLY.exec(mark[1]);
  if (!reason) {
    throw new Error(
      `${file}:${markLine}: expected <!-- example: compile-only: <why> -->, found ${before!.trim()}`,
    );
  }
  return reason[1];
}

// A mark separated from its fence by blank lines would quietly not apply.
function refuseDetachedMark(file: string, lines: string[], fence: number): void {
  let before = fence - 1;
  while (before >= 0 && lines[before].trim() === '') before--;
  if (before < fence - 1 && before >= 0 && MARK.test(lines[before])) {
    throw new Error(
      `${file}:${before + 1}: put the example mark on the line right before the fence`,
    );
  }
}

/**
 * The name of a TypeScript block's transpiled file: a hash of its source, so the integration suite
 * finds it only when the host test has transpiled this very text.
 */
export function transpiledName(block: DocBlock): string {
  const hash = createHash('sha256').update(block.source).digest('hex').slice(0, 16);
  return `${hash}.js`;
}
