// The published types show only the API. Every declaration tagged `@internal` in lib/ is listed
// from the declarations the compiler emits when it keeps them (nothing is listed by hand); then a
// consumer file, compiled against the published `dist/lib/index.d.ts` the way a user's project
// resolves `ndk-verbs`, must fail to reach each of them, while it can reach the public API.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import ts from 'typescript';

const root = resolve(__dirname, '../../..');
const published = join(root, 'dist/lib');

/** One `@internal` declaration: a member of a class or a module-level name. */
interface InternalName {
  readonly module: string; // path under lib/, without extension
  readonly owner?: string; // the class, for members
  readonly name: string; // identifier, or the computed key's text (`[kRegister]`)
  readonly isStatic: boolean;
}

// Declarations of lib/ as emitted with stripInternal off, in memory.
function emitUnstrippedDeclarations(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram([join(root, 'lib/index.ts')], {
    ...config.options,
    stripInternal: false,
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    outDir: join(root, 'unstripped'),
  });
  const files = new Map<string, string>();
  program.emit(undefined, (fileName, text) => {
    if (fileName.endsWith('.d.ts')) files.set(relative(join(root, 'unstripped'), fileName), text);
  });
  return files;
}

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

function memberName(member: ts.ClassElement, file: ts.SourceFile): string | undefined {
  // A computed key keeps its brackets (`[kRegister]`): symbol-keyed hooks are told apart by them.
  return member.name?.getText(file);
}

function isStatic(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Static) !== 0;
}

function internalNames(declarations: Map<string, string>): InternalName[] {
  const found: InternalName[] = [];
  for (const [path, text] of declarations) {
    const module = path.replace(/\.d\.ts$/, '').replace(/^lib\//, '');
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
    for (const statement of file.statements) {
      if (ts.isClassDeclaration(statement) && statement.name) {
        for (const member of statement.members) {
          const name = memberName(member, file);
          if (name !== undefined && isInternal(member)) {
            found.push({ module, owner: statement.name.text, name, isStatic: isStatic(member) });
          }
        }
      }
      if (!isInternal(statement)) continue;
      const names = ts.isVariableStatement(statement)
        ? statement.declarationList.declarations.map((d) => d.name.getText(file))
        : 'name' in statement && statement.name
          ? [(statement.name as ts.Identifier).text]
          : [];
      for (const name of names) found.push({ module, name, isStatic: false });
    }
  }
  return found;
}

// Compiles `source` as a user's file that imports 'ndk-verbs' from the published declarations.
function compileConsumer(source: string): string[] {
  const consumer = join(root, 'dist/consumer-check.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    paths: { 'ndk-verbs': [join(published, 'index.d.ts')] },
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === consumer ? source : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === consumer || fileExists(name);
  const program = ts.createProgram([consumer], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

function publishedDeclarations(dir = published): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return publishedDeclarations(path);
    return entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// The names a user reaches through `import * as ndk from 'ndk-verbs'`.
function publishedExports(): Set<string> {
  const index = join(published, 'index.d.ts');
  const program = ts.createProgram([index], { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index)!);
  if (moduleSymbol === undefined) throw new Error(`${index} is not a module`);
  return new Set(checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.name));
}

const internals = internalNames(emitUnstrippedDeclarations());
const exported = publishedExports();

it('finds the internal declarations and the public exports', () => {
  expect(exported.has('MemoryRegion') && exported.has('NdkDeregisterMr')).toBe(true);
  // The hooks of every object class are symbol-keyed and tagged: far more than a handful.
  expect(internals.filter((n) => n.owner !== undefined).length).toBeGreaterThan(40);
  expect(internals.filter((n) => n.module === 'ndk/internal').length).toBeGreaterThan(30);
});

it('a consumer of the published types reaches the public API but no internal name', () => {
  const lines = ["import * as ndk from 'ndk-verbs';", 'export {};'];
  let index = 0;
  for (const internal of internals) {
    index += 1;
    if (internal.owner !== undefined) {
      if (!exported.has(internal.owner) || internal.name.startsWith('[')) continue;
      const target = internal.isStatic ? `ndk.${internal.owner}` : `v${index}`;
      if (!internal.isStatic) lines.push(`declare const v${index}: ndk.${internal.owner};`);
      lines.push(`// @ts-expect-error ${internal.owner}.${internal.name} is internal`);
      lines.push(`void ${target}.${internal.name};`);
    } else if (exported.has(internal.name)) {
      lines.push(`// @ts-expect-error ${internal.name} is internal`);
      lines.push(`void ndk.${internal.name};`);
    }
  }
  // The public API, so the check is not passing because nothing resolves.
  lines.push(
    'declare const mr: ndk.MemoryRegion;',
    'void mr.register; void mr.deregister; void mr.remoteToken; void ndk.NdkDeregisterMr;',
    'declare const qp: ndk.QueuePair;',
    'void qp.write; void qp.close; void ndk.openAdapter; void ndk.NtStatus.STATUS_PENDING;',
  );
  expect(compileConsumer(lines.join('\n'))).toEqual([]);
});

it('a consumer of the published types sees an error for an internal name', () => {
  // The check above is armed: reaching a name that does not exist is an error here too.
  const errors = compileConsumer(
    "import * as ndk from 'ndk-verbs';\ndeclare const mr: ndk.MemoryRegion;\nvoid mr.requestRegister;\n",
  );
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/requestRegister/);
});

it('no published declaration has a symbol-keyed member or names the internal module', () => {
  const leaks: string[] = [];
  for (const path of publishedDeclarations()) {
    const text = readFileSync(path, 'utf8');
    if (/from '\.{1,2}\/(ndk\/)?internal'/.test(text)) leaks.push(`${path}: imports internal`);
    for (const internal of internals) {
      if (internal.owner === undefined || !internal.name.startsWith('[')) continue;
      if (text.includes(`${internal.name}(`) || text.includes(`${internal.name}:`)) {
        leaks.push(`${relative(root, path)}: ${internal.owner}${internal.name}`);
      }
    }
  }
  expect(leaks).toEqual([]);
});
