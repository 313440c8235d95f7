#!/usr/bin/env bash
# npm run bench [-- --compare <git-ref>]: ndk-verbs against plain C on the same rxe device. Sets up
# what is missing, builds the addon, the TypeScript and the C baseline, then measures on this host's
# RDMA device if it has one, otherwise in the SoftRoCE VM (NDK_VERBS_USE_VM=1 forces the VM).
#
# Two parts, each a process that prints its result as one marker line on stdout, captured here:
# - counted: per-operation costs, deregistration rates and scale. In the VM it runs with
#   `--icount` (one vCPU, guest time counted in instructions), so host load drops out of it.
# - wall: event loop, concurrency, leak and spawn, which need threads running in parallel or real
#   time: wall clock, 2 vCPUs.
# The host side (dist/bench/report.js) writes bench-results/latest.json and latest.svg and prints
# the table. The progress bar is on stderr.
#
# --compare <ref> builds <ref>'s addon and library in a temporary git worktree and measures the
# counted part of both builds (A: <ref>, B: this checkout) with this checkout's harness in one
# counted VM, one after the other, and prints each figure as B/A.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
compare_ref=
while [ $# -gt 0 ]; do
  case $1 in
    --compare) compare_ref=${2:?--compare needs a git ref}; shift 2 ;;
    --compare=*) compare_ref=${1#--compare=}; shift ;;
    *) echo "usage: npm run bench [-- --compare <git-ref>]" >&2; exit 2 ;;
  esac
done
bash scripts/bootstrap.sh
bash scripts/build.sh
mkdir -p build/bench bench-results
# shellcheck disable=SC2046 # pkg-config prints several flags on purpose
cc -O2 -Wall -Wextra -std=c11 -pthread -o build/bench/reg_dereg_loop bench/c/reg_dereg_loop.c \
  $(pkg-config --cflags --libs libibverbs)

in_vm=1
if [ "${NDK_VERBS_USE_VM:-0}" != 1 ] && compgen -G '/sys/class/infiniband/*' >/dev/null; then
  in_vm=0
  echo "ndk-verbs bench: on this host's RDMA devices ($(ls /sys/class/infiniband | xargs))" >&2
  export NDK_VERBS_BENCH_PLACE="this host"
else
  echo "ndk-verbs bench: no RDMA device on this host; measuring in the SoftRoCE VM" >&2
  export NDK_VERBS_BENCH_PLACE="SoftRoCE VM"
fi

# Runs a shell command where the device is: here, or in the VM with the given extra flags.
# 4 GiB: the tests hold up to 1 GiB (event loop), 2 × 1,000 MiB (C and Node, one after the other)
# and 100,000 × 4 KiB (scale) pinned.
measure() {
  local flags=$1 command=$2
  if [ "$in_vm" = 1 ]; then
    # shellcheck disable=SC2086 # the flags are words on purpose
    node dist/lib/cli/main.js vm $flags --mem 4096 --timeout 3600 -- bash -c "$command"
  else
    bash -c "$command"
  fi
}
run='node --expose-gc dist/bench/run.js'

# Not under build/: a node-gyp rebuild (scripts/build.sh) wipes build/.
if [ -n "$compare_ref" ]; then
  other=$(mktemp -d "${TMPDIR:-/tmp}/ndk-verbs-compare.XXXXXX")
  trap 'git worktree remove --force "$other" >/dev/null 2>&1 || rm -rf "$other"' EXIT
  git worktree add --detach "$other" "$compare_ref" >&2
  ln -s "$PWD/node_modules" "$other/node_modules" # the other ref builds with these dependencies
  echo "ndk-verbs bench: building $compare_ref in $other" >&2
  (cd "$other" && bash scripts/build.sh)
  captured=bench-results/compare-stdout.txt
  measure --icount "NDK_VERBS_BENCH_LABEL=A NDK_VERBS_BENCH_LIB='$other/dist/lib' $run counted &&
    NDK_VERBS_BENCH_LABEL=B $run counted" >"$captured"
  node dist/bench/report.js --compare "$captured" bench-results "$compare_ref"
  exit
fi

measure --icount "$run counted" >bench-results/counted-stdout.txt
measure '' "$run wall" >bench-results/wall-stdout.txt
node dist/bench/report.js bench-results/counted-stdout.txt bench-results/wall-stdout.txt \
  bench-results "$((SECONDS - started))"
