#!/usr/bin/env bash
# npm run test:sanitize: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer and the
# test hooks (NDK_VERBS_TEST_HOOKS) in a copy of the native sources under build/sanitize, then runs
# the whole integration suite and test/sanitize against it in the SoftRoCE VM. The normal
# build/Release/ndk_verbs.node is left as it is: inside the VM the sanitized addon is copied over it
# on the VM's throw-away overlay only. See docs/sanitizers.md.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

bash scripts/build.sh # the normal addon, and the TypeScript of the tests
# The documentation's TypeScript examples are transpiled by their host test; the suite runs them.
npx --no-install jest -c test/jest.host.config.js --ci doc-examples

asan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$asan" ]; then
  echo "ndk-verbs: no AddressSanitizer runtime ($asan); it comes with gcc (Debian: libasan8)" >&2
  exit 1
fi
copy=build/sanitize
rm -rf "$copy"
mkdir -p "$copy"
cp -r binding.gyp native "$copy/"
(cd "$copy" && npx --no-install node-gyp rebuild -j 2 -- -Dndk_verbs_test_hooks=1 \
  -Dndk_verbs_sanitize=1 >build.log 2>&1) || { cat "$copy/build.log" >&2; exit 1; }
sanitized=$copy/build/Release/ndk_verbs.node
# Refuse to run the suite against an addon without the sanitizers or the hooks.
# (nm's output is saved first: `nm | grep -q` under pipefail fails when grep stops reading early.)
nm -D "$sanitized" >"$copy/symbols"
grep -q __asan_init "$copy/symbols" || { echo "ndk-verbs: $sanitized lacks ASan" >&2; exit 1; }
grep -q testFailNextMrSubmit "$sanitized" || { echo "ndk-verbs: $sanitized lacks the test hooks" >&2; exit 1; }
echo "ndk-verbs: sanitized addon built in $((SECONDS - started)) s"

# V8 and Node allocate for the whole life of the process and free little at exit: leak detection
# would report them, not us. Every other ASan finding and every UBSan finding ends the process.
export NDK_VERBS_REQUIRE_DEVICES=${NDK_VERBS_REQUIRE_DEVICES:-2}
suite="cp $sanitized build/Release/ndk_verbs.node &&
  LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  node node_modules/jest/bin/jest.js -c test/jest.sanitize.config.js --ci --runInBand"
# Arguments go to jest: `npm run test:sanitize -- core-allocation` runs the matching files only.
node dist/lib/cli/main.js vm --timeout 3000 -- bash -c "$suite"' "$@"' bash "$@"
echo "ndk-verbs: test:sanitize passed in $((SECONDS - started)) s"
