#!/usr/bin/env bash
# Lint and format check of the whole tree: eslint (TypeScript and JS), prettier, import cycles (madge),
# copy-paste (jscpd), and clang-format on the native addon sources. Checks only; run
# `npx prettier --write .` or `clang-format -i` to fix.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npx --no-install eslint .
npx --no-install prettier --check .
# Structure: no import cycles among the TypeScript modules, and no copy-pasted blocks. jscpd
# (.jscpd.json) flags a repeat of 6 lines and 60 tokens: repeated logic fails, while the short
# close() / Symbol.asyncDispose pair every public object has (under 60 tokens) passes.
npx --no-install madge --circular --no-spinner --extensions ts --ts-config tsconfig.json lib test bench examples
npx --no-install jscpd --silent

# The native sources, native/util/ included (globstar: ** reaches every folder below native/). They
# may not exist yet; nullglob makes an absent pattern expand to nothing.
shopt -s nullglob globstar
native_sources=(native/**/*.cc native/**/*.h)
if ((${#native_sources[@]} > 0)); then
  clang-format --dry-run -Werror "${native_sources[@]}"
fi
