/** Variables that are never exported into the guest: per-shell state, or read-only in bash. */
const SKIPPED = new Set([
  'PWD',
  'OLDPWD',
  'SHLVL',
  '_',
  'BASHOPTS',
  'BASH_VERSINFO',
  'EUID',
  'PPID',
  'SHELLOPTS',
  'UID',
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quotes a string for POSIX shells: the result is one word whose value is exactly `word`, whatever
 * characters it holds (quotes, `$`, backslashes, newlines, …).
 *
 * @param word - Any string.
 * @returns The string wrapped in single quotes, each `'` written as `'\''`.
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes the `command.sh` that the guest runs: exports the caller's environment (names that are not
 * shell identifiers, and `PWD`, `OLDPWD`, `SHLVL`, `_` and bash's read-only variables are left out),
 * enters `cwd`, and `exec`s the command, every argument quoted.
 *
 * @param command - The argv to run; must not be empty.
 * @param cwd - Absolute directory to run it in (as seen by the guest, i.e. the host's path).
 * @param env - The environment to export.
 * @returns The script's text.
 * @throws Error when `command` is empty.
 */
export function buildCommandScript(command: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  if (command.length === 0) throw new Error('no command to run in the VM');
  const lines = ['# Written by ndk-verbs vm: the caller environment, directory and command.'];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !IDENTIFIER.test(name) || SKIPPED.has(name)) continue;
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  const dir = shellQuote(cwd);
  lines.push(
    `cd -- ${dir} || { echo "ndk-verbs vm: cannot enter "${dir}" in the VM" >&2; exit 125; }`,
    `exec -- ${command.map(shellQuote).join(' ')}`,
    '',
  );
  return lines.join('\n');
}
