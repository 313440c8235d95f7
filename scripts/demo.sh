#!/usr/bin/env bash
# npm run demo: the main job, on this host's RDMA devices if it has any, otherwise in the SoftRoCE VM
# (NDK_VERBS_USE_VM=1 forces the VM). Sets up what is missing first; fast when nothing is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh
if [ "${NDK_VERBS_USE_VM:-0}" != 1 ] && compgen -G '/sys/class/infiniband/*' >/dev/null; then
  exec node dist/examples/demo.js "$@"
fi
echo "ndk-verbs demo: no RDMA device on this host; running in the SoftRoCE VM (rxe0, rxe1)" >&2
exec node dist/lib/cli/main.js vm -- node dist/examples/demo.js "$@"
