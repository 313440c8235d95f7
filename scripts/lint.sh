#!/usr/bin/env bash
# Lint and format check of the whole tree: eslint (TypeScript and JS), prettier, and clang-format on
# the native addon sources. Checks only; run `npx prettier --write .` or `clang-format -i` to fix.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npx --no-install eslint .
npx --no-install prettier --check .

# The native sources, native/util/ included (globstar: ** reaches every folder below native/). They
# may not exist yet; nullglob makes an absent pattern expand to nothing.
shopt -s nullglob globstar
native_sources=(native/**/*.cc native/**/*.h)
if ((${#native_sources[@]} > 0)); then
  clang-format --dry-run -Werror "${native_sources[@]}"
fi
