#!/usr/bin/env bash
# Builds the addon (node-gyp, only when native/ or binding.gyp changed) and compiles the TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
addon=build/Release/ndk_verbs.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  npx --no-install node-gyp rebuild -j 2 >build.log 2>&1 || { cat build.log >&2; exit 1; }
fi
# dist/ is rebuilt whole: a compiled file whose source was moved or deleted must not linger there
# (jest would still find and run a stale compiled test).
rm -rf dist
npx --no-install tsc -p tsconfig.json
