#!/usr/bin/env bash
# npm run test:kernels [-- PACKAGE...]: the integration suite and the rxe probe (test/kernels/rxe-probe.c)
# on each kernel of test/kernels/kernels.txt (or the packages given), one SoftRoCE VM boot per kernel.
# Logs go to build/kernels/<package>.log, and a behaviour x kernel table to build/kernels/summary.md
# (docs/kernels.md shows the last recorded one). Exits 1 when the suite failed on any kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
if (($#)); then kernels=("$@"); else mapfile -t kernels < <(sed 's/#.*//; /^\s*$/d; s/\s//g' test/kernels/kernels.txt); fi

bash scripts/build.sh
# The integration suite's doc-examples test runs what this host test transpiles.
npx --no-install jest -c test/jest.host.config.js --ci doc-examples >/dev/null
# The probe is plain C against libibverbs, built on the host; the guest sees the host's /tmp.
work=$(mktemp -d /tmp/ndk-verbs-kernels.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/rxe-probe" test/kernels/rxe-probe.c -libverbs
mkdir -p build/kernels

export NDK_VERBS_REQUIRE_DEVICES=2
failed=0
logs=()
for pkg in "${kernels[@]}"; do
  log=build/kernels/$pkg.log
  logs+=("$log")
  printf '=== test:kernels [%s s]: %s ===\n' "$((SECONDS - started))" "$pkg"
  t=$SECONDS
  # The probe deletes rxe1 at its end, so it runs after the suite, in the same boot.
  set +e
  node dist/lib/cli/main.js vm --kernel "$pkg" --timeout 2400 -- bash -c '
    echo "kernel $(uname -r)"
    node node_modules/jest/bin/jest.js -c test/jest.integration.config.js --ci --runInBand 2>&1
    rc=$?
    echo "=== rxe-probe ==="
    "$0"
    exit $rc' "$work/rxe-probe" >"$log" 2>&1
  rc=$?
  set -e
  echo "suite exit $rc in $((SECONDS - t)) s" >>"$log"
  ((rc == 0)) || failed=1
  tail -n 6 "$log"
  # CI shows only what is printed: name each failed file and test, with the first lines of why.
  if ((rc != 0)); then
    grep -E '^(FAIL |  ● )' "$log" | grep -v '● Console' | head -n 40 || true
    grep -A 12 -m 3 -E '^  ● ' "$log" | head -n 60 || true
  fi
done
node dist/test/kernels/summary.js "${logs[@]}" | tee build/kernels/summary.md
printf '=== test:kernels [%s s]: %s ===\n' "$((SECONDS - started))" "$([ $failed = 0 ] && echo 'all passed' || echo 'FAILED')"
exit $failed
