#!/usr/bin/env bash
# npm test: everything, in order, stopping at the first failure. The integration suite runs against
# real RDMA devices: the host's own when it has some, otherwise the SoftRoCE VM's rxe0/rxe1
# (NDK_VERBS_USE_VM=1 forces the VM). It requires NDK_VERBS_REQUIRE_DEVICES devices (default 2) and
# fails, never skips, without them.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
stage() { printf '\n=== ndk-verbs test [%s s]: %s ===\n' "$((SECONDS - started))" "$*"; }

stage "1/5 bootstrap (system packages, npm ci)"
bash scripts/bootstrap.sh
stage "2/5 build (addon, TypeScript, VM image)"
bash scripts/build.sh
# The VM image (Debian kernel + initramfs, cached outside the repo) is made here, once, so that no
# test measures or sees its one-time preparation.
node -e "require('./dist/lib/vm').prepareImage().catch((e) => { console.error(e.message); process.exit(1); })"
stage "3/5 lint"
bash scripts/lint.sh
stage "4/5 host tests"
npx --no-install jest -c test/jest.host.config.js --ci

export NDK_VERBS_REQUIRE_DEVICES=${NDK_VERBS_REQUIRE_DEVICES:-2}
integration=(node node_modules/jest/bin/jest.js -c test/jest.integration.config.js --ci --runInBand)
if [ "${NDK_VERBS_USE_VM:-0}" != 1 ] && compgen -G '/sys/class/infiniband/*' >/dev/null; then
  stage "5/5 integration tests on this host's RDMA devices ($(ls /sys/class/infiniband | xargs))"
  "${integration[@]}"
else
  stage "5/5 integration tests in the SoftRoCE VM (no RDMA device on this host)"
  node dist/lib/cli/main.js vm --timeout 1500 -- "${integration[@]}"
fi
# Two SoftRoCE hosts on one virtual Ethernet (docs/hosts.md): each test file boots its own pair, so
# these run on any machine, with or without RDMA devices of its own.
stage "two-host tests (each file boots its own pair of SoftRoCE VMs)"
npx --no-install jest -c test/jest.hosts.config.js --ci --runInBand
# A 1-minute randomized soak (docs/soak.md), in a VM boot of its own so the suite leaves it nothing.
# Its seed is the first line it prints; `npm run soak -- --seed S` replays a failure.
soak=(node --expose-gc dist/test/soak/main.js --minutes 1)
if [ "${NDK_VERBS_USE_VM:-0}" != 1 ] && compgen -G '/sys/class/infiniband/*' >/dev/null; then
  stage "soak, 1 minute, on this host's RDMA devices"
  "${soak[@]}"
else
  stage "soak, 1 minute, in the SoftRoCE VM"
  node dist/lib/cli/main.js vm --timeout 600 -- "${soak[@]}"
fi
stage "all passed"
