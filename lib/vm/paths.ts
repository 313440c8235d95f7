import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Finds the root directory of the installed ndk-verbs package (the directory holding its
 * `package.json`), walking up from this module. Works from the TypeScript sources (`lib/vm`) and
 * from the compiled output (`dist/lib/vm`) alike.
 *
 * @param from - Directory to start from; defaults to this module's directory.
 * @returns The absolute path of the package root.
 * @throws Error when no `package.json` named `ndk-verbs` is found above `from`.
 */
export function packageRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === 'ndk-verbs') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ndk-verbs package root above ${from}`);
    dir = parent;
  }
}

/**
 * The ndk-verbs cache directory: `NDK_VERBS_CACHE_DIR` when set, else `$XDG_CACHE_HOME/ndk-verbs`
 * (when `XDG_CACHE_HOME` is an absolute path), else `~/.cache/ndk-verbs`. Never inside the repository.
 *
 * @param env - Environment to read the overrides from; defaults to `process.env`.
 * @returns The absolute path of the cache directory (it may not exist yet).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NDK_VERBS_CACHE_DIR) return path.resolve(env.NDK_VERBS_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'ndk-verbs');
  return path.join(os.homedir(), '.cache', 'ndk-verbs');
}

/**
 * Where the SoftRoCE VM's kernel, modules and initramfs are cached: `<cacheDir>/vm`.
 *
 * @param env - Environment to read the cache overrides from; defaults to `process.env`.
 * @returns The absolute path of the VM image cache.
 */
export function vmCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'vm');
}
