#!/usr/bin/env bash
# Prepares the SoftRoCE VM's boot files in a cache directory (never in the repo):
#   <cache>/<kver>/vmlinuz      Debian's stock kernel (has CONFIG_RDMA_RXE=m)
#   <cache>/<kver>/root/lib/modules/<kver>   its modules, depmod'ed, mounted into the guest at run time
#   <cache>/<kver>/initramfs.cpio.gz        busybox + the few modules needed to mount the host root
# Prints "<kver> <dir>" on stdout. Idempotent: a ready cache is reused as is.
set -euo pipefail
cache=${1:?usage: build-image.sh <cache-dir>}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$cache"

# The kernel package the metapackage points at today, e.g. linux-image-6.1.0-56-amd64. An explicit
# NDK_VERBS_VM_KERNEL_PACKAGE pins it (and avoids needing apt lists when the cache is warm).
pkg=${NDK_VERBS_VM_KERNEL_PACKAGE:-}
current_kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}
if [ -z "$pkg" ]; then
  pkg=$(current_kernel_package)
  # A machine whose apt lists were never fetched (or were cleaned): fetch them once, as root.
  if [ -z "$pkg" ] && [ "$(id -u)" = 0 ] && ! ls "$cache"/*/ready >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    pkg=$(current_kernel_package)
  fi
fi
if [ -z "$pkg" ]; then
  # No apt lists: fall back to whatever kernel the cache already holds.
  pkg=$(ls -1 "$cache" 2>/dev/null | sort -V | tail -n1 | sed 's/^/linux-image-/')
  [ "$pkg" != "linux-image-" ] || { echo "build-image: cannot find the kernel package (run apt-get update)" >&2; exit 1; }
fi
kver=${pkg#linux-image-}
dir=$cache/$kver
if [ -f "$dir/ready" ]; then echo "$kver $dir"; exit 0; fi
# Two VMs starting at once on a cold cache: one prepares, the other waits for it.
exec 9>"$cache/.lock"
flock 9
if [ -f "$dir/ready" ]; then echo "$kver $dir"; exit 0; fi

echo "ndk-verbs vm: preparing kernel $kver in $dir (once)" >&2
rm -rf "$dir"; mkdir -p "$dir/dl"
(cd "$dir/dl" && apt-get download "$pkg" >/dev/null 2>&1) || {
  echo "build-image: 'apt-get download $pkg' failed (run apt-get update?)" >&2; exit 1; }
dpkg-deb -x "$dir"/dl/*.deb "$dir/root"
rm -rf "$dir/dl"
cp "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinuz"
depmod -b "$dir/root" "$kver"

# The initramfs: busybox, our init, and the modules (with their dependencies) that mounting the host's
# root over virtio-9p with a tmpfs overlay needs. Everything else loads later from the host root.
ird=$dir/initramfs
moddir=lib/modules/$kver
mkdir -p "$ird"/{bin,dev,proc,sys,lower,rw,newroot,$moddir}
cp /bin/busybox "$ird/bin/busybox"
cp "$here/init" "$ird/init"; chmod +x "$ird/init"
# modules.load lists them in load order (dependencies first) for init's insmod loop.
for m in virtio_pci 9pnet_virtio 9p overlay; do
  modprobe -d "$dir/root" -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r f; do
  rel=${f#"$dir/root/"}
  mkdir -p "$ird/$(dirname "$rel")"; cp "$f" "$ird/$rel"
  echo "/$rel" >>"$ird/modules.load"
done
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initramfs.cpio.gz"
rm -rf "$ird"
touch "$dir/ready"
echo "$kver $dir"
