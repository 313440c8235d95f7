/**
 * Every JavaScript and TypeScript block of README.md and docs/*.md type-checks against the
 * package's published types. The TypeScript blocks are transpiled here and written to
 * dist/doc-examples/, where the integration suite (test/integration/doc-examples.test.ts) runs them.
 */

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  allDocBlocks,
  type DocBlock,
  extractBlocks,
  TRANSPILED_DIR,
  transpiledName,
} from '../support/doc-blocks';
import { type BlockCheck, checkBlocks } from '../support/doc-typecheck';

const blocks = allDocBlocks();
let check: BlockCheck;

beforeAll(() => {
  check = checkBlocks(blocks);
  rmSync(TRANSPILED_DIR, { recursive: true, force: true });
  mkdirSync(TRANSPILED_DIR, { recursive: true });
  for (const block of blocks) {
    const javascript = check.javascript.get(block.id);
    if (javascript !== undefined) {
      writeFileSync(join(TRANSPILED_DIR, transpiledName(block)), javascript);
    }
  }
}, 120_000);

describe('the documentation examples', () => {
  test('exist in both languages, most of them runnable', () => {
    const runnable = blocks.filter((block) => block.compileOnly === undefined);
    expect(blocks.filter((block) => block.language === 'js').length).toBeGreaterThanOrEqual(3);
    expect(blocks.filter((block) => block.language === 'ts').length).toBeGreaterThanOrEqual(2);
    // Compile-only blocks are checked less: keep them the exception.
    expect(blocks.length - runnable.length).toBeLessThanOrEqual(4);
  });

  test.each(blocks.map((block) => [block.id, block] as const))('%s type-checks', (_id, block) => {
    expect(check.diagnostics.get(block.id)).toEqual([]);
  });

  test('every TypeScript block is transpiled for the VM', () => {
    const typescript = blocks.filter((block) => block.language === 'ts');
    expect(typescript.filter((block) => !check.javascript.has(block.id)).map((b) => b.id)).toEqual(
      [],
    );
  });
});

describe('the type check', () => {
  const broken = (source: string, language: 'js' | 'ts'): DocBlock =>
    extractBlocks('broken.md', `\`\`\`${language}\n${source}\n\`\`\`\n`)[0];

  test('reports a call the package does not have, with the Markdown line', () => {
    const block = broken("import { openAdaptor } from 'ndk-verbs';\nvoid openAdaptor;", 'ts');
    const [diagnostic, ...rest] = checkBlocks([block]).diagnostics.get(block.id)!;
    expect(rest).toEqual([]);
    expect(diagnostic).toMatch(/^broken\.md:2:\d+ TS2724 .*openAdaptor/);
  });

  test('reports wrong argument types in JavaScript too', () => {
    const block = broken("const ndk = require('ndk-verbs');\nndk.openAdapter(42);", 'js');
    expect(checkBlocks([block]).diagnostics.get(block.id)).toEqual([
      expect.stringMatching(/^broken\.md:3:\d+ TS2345 /),
    ]);
  });
});

describe('extractBlocks', () => {
  const markdown = [
    '# Title', // 1
    '```js', // 2
    "const a = require('ndk-verbs');", // 3
    '```', // 4
    '```sh', // 5
    'npm test', // 6
    '```', // 7
    '<!-- example: compile-only: needs two hosts -->', // 8
    '- item', // 9
    '  ```typescript', // 10
    "  import { openAdapter } from 'ndk-verbs';", // 11
    '    void openAdapter;', // 12
    '  ```', // 13
  ].join('\n');

  test('finds js and ts blocks with their lines, languages and marks, and skips the rest', () => {
    const [first, second, ...rest] = extractBlocks('x.md', markdown);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      id: 'x.md:2',
      language: 'js',
      esm: false,
      compileOnly: undefined,
    });
    expect(first.source).toBe("const a = require('ndk-verbs');\n");
    expect(second).toMatchObject({ id: 'x.md:10', language: 'ts', esm: true });
    expect(second.source).toBe("import { openAdapter } from 'ndk-verbs';\n  void openAdapter;\n");
  });

  test('reads the compile-only mark only on the line right before the fence', () => {
    const marked = '<!-- example: compile-only: needs two hosts -->\n```js\nx;\n```\n';
    expect(extractBlocks('x.md', marked)[0].compileOnly).toBe('needs two hosts');
    expect(extractBlocks('x.md', markdown)[1].compileOnly).toBeUndefined();
  });

  test('refuses a malformed mark and an unterminated fence', () => {
    expect(() => extractBlocks('x.md', '<!-- example: compile only -->\n```js\nx;\n```\n')).toThrow(
      /x\.md:1: expected <!-- example: compile-only: <why> -->/,
    );
    expect(() => extractBlocks('x.md', '<!-- example: compile-only: -->\n```js\n```\n')).toThrow();
    expect(() => extractBlocks('x.md', 'text\n```ts\nx;\n')).toThrow(/x\.md:2: .*never closed/);
    expect(() =>
      extractBlocks('x.md', '<!-- example: compile-only: why -->\n\n```ts\nx;\n```\n'),
    ).toThrow(/x\.md:1: put the example mark on the line right before the fence/);
  });
});
