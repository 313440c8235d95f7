#!/usr/bin/env bash
# npm run bench: ndk-verbs against plain C on the same rxe device. Sets up what is missing,
# builds the addon, the TypeScript and the C baseline, then measures on this host's RDMA device if it
# has one, otherwise in the SoftRoCE VM (NDK_VERBS_USE_VM=1 forces the VM). The measuring process
# (dist/bench/run.js) prints its result as one marker line on stdout, captured here; the host side
# (dist/bench/report.js) writes bench-results/latest.json and latest.svg and prints the table.
# The progress bar is on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/bootstrap.sh
bash scripts/build.sh
mkdir -p build/bench bench-results
# shellcheck disable=SC2046 # pkg-config prints several flags on purpose
cc -O2 -Wall -Wextra -std=c11 -pthread -o build/bench/reg_dereg_loop bench/c/reg_dereg_loop.c \
  $(pkg-config --cflags --libs libibverbs)

# Not under build/: a node-gyp rebuild (scripts/build.sh) wipes build/.
captured=bench-results/last-run-stdout.txt
run=(node --expose-gc dist/bench/run.js)
if [ "${NDK_VERBS_USE_VM:-0}" != 1 ] && compgen -G '/sys/class/infiniband/*' >/dev/null; then
  echo "ndk-verbs bench: on this host's RDMA devices ($(ls /sys/class/infiniband | xargs))" >&2
  NDK_VERBS_BENCH_PLACE="this host" "${run[@]}" >"$captured"
else
  echo "ndk-verbs bench: no RDMA device on this host; measuring in the SoftRoCE VM" >&2
  # 4 GiB: the tests hold up to 1 GiB (event loop) and 2 × 1,000 MiB (C and Node, one after the
  # other) pinned.
  NDK_VERBS_BENCH_PLACE="SoftRoCE VM" \
    node dist/lib/cli/main.js vm --mem 4096 --timeout 1200 -- "${run[@]}" >"$captured"
fi
node dist/bench/report.js "$captured" bench-results "$((SECONDS - started))"
