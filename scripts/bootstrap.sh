#!/usr/bin/env bash
# Makes a fresh machine ready for ndk-verbs: the Debian packages the addon, the SoftRoCE VM and the
# tests need, then the npm dependencies. Each step is skipped when already done, so calling this at the
# start of every `npm test` / `npm run demo` costs well under a second on a ready machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# rdma-core & friends: libibverbs and the rxe provider for the addon and `rdma`/`ibv_devices`;
# qemu/busybox/cpio/kmod to boot the SoftRoCE VM; clang-format for the native format check.
packages=(rdma-core ibverbs-providers ibverbs-utils libibverbs-dev pkg-config iproute2
  qemu-system-x86 busybox-static cpio kmod util-linux clang-format g++ make python3)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "ndk-verbs: missing system packages. Install them as root, then run this again:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "ndk-verbs: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file. A node_modules that is a
# symlink (a git worktree sharing another checkout's) is left alone: npm ci would empty the
# directory it points to, under the other checkout.
stamp=node_modules/.package-lock.json
if [ -L node_modules ]; then
  echo "ndk-verbs: node_modules is a symlink to $(readlink node_modules); not running npm ci" >&2
elif [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
fi
