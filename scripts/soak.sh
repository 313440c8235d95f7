#!/usr/bin/env bash
# npm run soak -- [--minutes N] [--seed S] [...]: the randomized soak run (docs/soak.md). Builds,
# then runs on this host's RDMA devices if it has two, otherwise in the SoftRoCE VM
# (NDK_VERBS_USE_VM=1 forces the VM). Exits non-zero when a check failed; the seed is on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

# --expose-gc: the workers' drop-and-collect operation collects on demand (flags are per process).
run=(node --expose-gc dist/test/soak/main.js "$@")
if [ "${NDK_VERBS_USE_VM:-0}" != 1 ] && compgen -G '/sys/class/infiniband/*' >/dev/null; then
  echo "ndk-verbs soak: on this host's RDMA devices ($(ls /sys/class/infiniband | xargs))" >&2
  "${run[@]}"
else
  # The VM's time limit: the run's minutes plus room for boot, start-up and the last drain.
  minutes=1
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[i]}" = --minutes ]; then minutes=${args[i + 1]:-1}; fi
  done
  timeout=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 * 1.5 + 300 }')
  echo "ndk-verbs soak: no RDMA device on this host; running in the SoftRoCE VM (timeout ${timeout} s)" >&2
  node dist/lib/cli/main.js vm --timeout "$timeout" -- "${run[@]}"
fi
