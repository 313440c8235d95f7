#!/usr/bin/env bash
# Prepares the SoftRoCE VM's boot files in a cache directory (never in the repo):
#   <cache>/<kver>/vmlinuz      the kernel (Debian's stock one has CONFIG_RDMA_RXE=m)
#   <cache>/<kver>/root/lib/modules/<kver>   its modules, depmod'ed, mounted into the guest at run time
#   <cache>/<kver>/initramfs.cpio.gz        busybox + the few modules needed to mount the host root
# Prints "<kver> <dir>" on stdout. Idempotent: a ready cache is reused as is.
#
# usage: build-image.sh <cache-dir> [KERNEL-DEB...]
# Where the kernel comes from:
#   - KERNEL-DEB arguments: local .deb files or http(s) URLs of them, unpacked together (e.g. Ubuntu's
#     linux-image-*, linux-modules-* and linux-modules-extra-* of one version). No apt needed.
#   - else NDK_VERBS_VM_KERNEL_PACKAGE: a Debian package fetched with `apt-get download`; a
#     metapackage (linux-image-6.12-amd64) stands for the kernel package it depends on.
#   - else the kernel package that linux-image-amd64 depends on today.
set -euo pipefail
cache=${1:?usage: build-image.sh <cache-dir> [kernel .deb file or URL...]}
shift
debs=("$@")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$cache"
fail() { echo "build-image: $*" >&2; exit 1; }

# The kernel package a metapackage points at, e.g. linux-image-amd64 -> linux-image-6.1.0-57-amd64.
depends_on_kernel() {
  apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}
# A ready image made from these very .deb sources (a warm cache needs neither a download nor apt).
# A local file is known by its path, size and modification time, a URL by itself.
sources_key() {
  local d
  for d in "$@"; do
    case "$d" in
      http://* | https://*) echo "$d" ;;
      *) stat -c '%n %s %Y' "$(realpath "$d")" ;;
    esac
  done
}

if ((${#debs[@]})); then
  for d in "${debs[@]}"; do
    case "$d" in http://* | https://*) ;; *) [ -f "$d" ] || fail "no such kernel package file: $d" ;; esac
  done
  # Its own directory, named after the sources: never one that a Debian-package image (or a VM
  # running from it) uses. The guest finds the modules by path, whatever the directory's name.
  dir=$cache/deb-$(sources_key "${debs[@]}" | sha256sum | cut -c1-16)
  if [ -f "$dir/ready" ]; then echo "$(cat "$dir/kver") $dir"; exit 0; fi
  kver=
else
  pkg=${NDK_VERBS_VM_KERNEL_PACKAGE:-}
  if [ -z "$pkg" ]; then
    pkg=$(depends_on_kernel linux-image-amd64)
    # A machine whose apt lists were never fetched (or were cleaned): fetch them once, as root.
    if [ -z "$pkg" ] && [ "$(id -u)" = 0 ] && ! ls "$cache"/*/ready >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      pkg=$(depends_on_kernel linux-image-amd64)
    fi
    if [ -z "$pkg" ]; then
      # No apt lists: fall back to whatever Debian kernel the cache already holds.
      last=$(ls -1 "$cache" 2>/dev/null | { grep -v '^deb-' || true; } | sort -V | tail -n1)
      [ -n "$last" ] || fail "cannot find Debian's kernel package (run apt-get update; on a host whose apt has no Debian archive, such as Ubuntu, give the kernel's .deb files: --kernel-deb FILE|URL, see docs/ci.md)"
      pkg=linux-image-$last
    fi
  fi
  kver=${pkg#linux-image-}
  # A metapackage is resolved only when its name is not already in the cache.
  if [ ! -f "$cache/$kver/ready" ]; then
    target=$(depends_on_kernel "$pkg")
    if [ -n "$target" ] && [ "$target" != "$pkg" ]; then pkg=$target; kver=${pkg#linux-image-}; fi
  fi
  dir=$cache/$kver
  if [ -f "$dir/ready" ]; then echo "$kver $dir"; exit 0; fi
fi

# Two VMs starting at once on a cold cache: one prepares, the other waits for it.
exec 9>"$cache/.lock"
flock 9
if [ -f "$dir/ready" ]; then echo "$(cat "$dir/kver" 2>/dev/null || echo "$kver") $dir"; exit 0; fi

stage=$(mktemp -d "$cache/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dl" "$stage/root"
if ((${#debs[@]})); then
  echo "ndk-verbs vm: preparing a kernel from ${debs[*]} (once)" >&2
  i=0
  for d in "${debs[@]}"; do
    i=$((i + 1))
    case "$d" in
      http://* | https://*)
        curl -fsSL --retry 3 -o "$stage/dl/$i.deb" "$d" || fail "cannot download $d"
        d=$stage/dl/$i.deb ;;
    esac
    dpkg-deb -x "$d" "$stage/root" || fail "$d is not a Debian package (.deb)"
  done
  # The kernel release is the one whose vmlinuz the packages hold (exactly one).
  mapfile -t images < <(cd "$stage/root/boot" 2>/dev/null && ls -1 vmlinuz-* 2>/dev/null)
  ((${#images[@]} == 1)) ||
    fail "the packages must hold exactly one boot/vmlinuz-<release>, found ${#images[@]} (add the linux-image package)"
  kver=${images[0]#vmlinuz-}
  [ -d "$stage/root/lib/modules/$kver" ] || fail "no modules for $kver in the packages (add linux-modules-$kver)"
else
  echo "ndk-verbs vm: preparing kernel $kver in $dir (once)" >&2
  (cd "$stage/dl" && apt-get download "$pkg" >/dev/null 2>&1) ||
    fail "'apt-get download $pkg' failed (run apt-get update? on a host without Debian's archive, use --kernel-deb)"
  dpkg-deb -x "$stage"/dl/*.deb "$stage/root"
fi
rm -rf "$stage/dl"
moddir=lib/modules/$kver
find "$stage/root/$moddir" -name 'rdma_rxe.ko*' | grep -q . ||
  fail "kernel $kver has no rdma_rxe module (Ubuntu keeps it in linux-modules-extra-$kver)"
cp "$stage/root/boot/vmlinuz-$kver" "$stage/vmlinuz"
depmod -b "$stage/root" "$kver"

# The initramfs: busybox, our init, and the modules (with their dependencies) that mounting the host's
# root over virtio-9p with a tmpfs overlay needs. Everything else loads later from the host root.
# Modules built into the kernel show as "builtin" and need nothing. Compressed modules (.ko.xz of
# Debian 6.12, .ko.zst of Ubuntu) are unpacked: busybox's insmod may not read them.
ird=$stage/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,lower,rw,newroot,$moddir}
cp /bin/busybox "$ird/bin/busybox"
cp "$here/init" "$ird/init"; chmod +x "$ird/init"
touch "$ird/modules.load"
# modules.load lists them in load order (dependencies first) for init's insmod loop.
for m in virtio_pci 9pnet_virtio 9p overlay; do
  modprobe -d "$stage/root" -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r f; do
  rel=${f#"$stage/root/"}
  mkdir -p "$ird/$(dirname "$rel")"
  case "$rel" in
    *.ko.xz) xz -dc "$f" >"$ird/${rel%.xz}"; rel=${rel%.xz} ;;
    *.ko.zst) zstd -qdc "$f" >"$ird/${rel%.zst}"; rel=${rel%.zst} ;;
    *.ko.gz) gzip -dc "$f" >"$ird/${rel%.gz}"; rel=${rel%.gz} ;;
    *) cp "$f" "$ird/$rel" ;;
  esac
  echo "/$rel" >>"$ird/modules.load"
done
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage/initramfs.cpio.gz"
rm -rf "$ird"
echo "$kver" >"$stage/kver"
if ((${#debs[@]})); then sources_key "${debs[@]}" >"$stage/sources"; fi
# The image appears whole or not at all (an unfinished one left by a killed run is replaced).
rm -rf "$dir"
mv "$stage" "$dir"
trap - EXIT
touch "$dir/ready"
echo "$kver $dir"
