#!/usr/bin/env bash
# Run by `npm install` before node-gyp builds the addon: checks that the system packages the build
# needs are there, and when one is not, says which in one line with the command that installs it,
# instead of letting node-gyp fail with a stack of compiler output. Prints nothing when all is well.
set -uo pipefail

# Each missing requirement: its Debian/Ubuntu package and its Fedora/RHEL package.
apt=() dnf=() what=()
need() { what+=("$1"); apt+=("$2"); dnf+=("$3"); }

if ! command -v pkg-config >/dev/null 2>&1; then
  need "pkg-config (the program)" pkg-config pkgconf-pkg-config
  # Without pkg-config the library cannot be looked up: look for its header instead.
  [ -e /usr/include/infiniband/verbs.h ] || need "libibverbs-dev (verbs.h)" libibverbs-dev rdma-core-devel
elif ! pkg-config --exists libibverbs 2>/dev/null; then
  need "libibverbs-dev (pkg-config finds no libibverbs)" libibverbs-dev rdma-core-devel
fi
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || need "a C++ compiler" g++ gcc-c++
command -v make >/dev/null 2>&1 || need make make make
command -v python3 >/dev/null 2>&1 || need python3 python3 python3

if ((${#what[@]})); then
  list=$(IFS=,; echo "${what[*]}" | sed 's/,/, /g')
  echo "ndk-verbs: cannot build the addon, missing ${list}. Install: sudo apt-get install -y ${apt[*]} (Debian/Ubuntu) or sudo dnf install -y ${dnf[*]} (Fedora/RHEL)" >&2
  exit 1
fi
