#!/bin/bash
# Stage two of the SoftRoCE VM, run as PID 1 from the host's own tree (read-only 9p under a tmpfs
# overlay). Brings up N rxe devices on veth pairs, runs the command the host put in the xfer share with
# stdout on ttyS0 and stderr on ttyS1, records its exit status there and powers off.
# Variables from the kernel command line: ndkv_modules (the kernel's modules on the host),
# ndkv_devices (how many rxe devices); for a host of a multi-host run (runHosts) also ndkv_host_index,
# ndkv_host_addresses (every host's IPv4, comma-separated), ndkv_host_prefix, ndkv_host_mtu and
# ndkv_shared (the shared directory's host path, mounted at the same path).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
log() { echo "ndk-verbs vm: $*" >/dev/ttyS2; }
poweroff_now() { sync; echo o >/proc/sysrq-trigger; sleep 30; }
trap poweroff_now EXIT

# /tmp stays the host's (through the overlay: readable, writes stay in the guest), so a checkout or a
# test file under /tmp runs in the VM as it does on the host.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm /run/ndk-verbs
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 xfer /run/ndk-verbs || { log "no xfer share"; exit 1; }
xfer=/run/ndk-verbs
status() { echo "$1" >"$xfer/status.tmp" && mv "$xfer/status.tmp" "$xfer/status"; }

# modprobe (and the kernel's own module requests) look under /lib/modules/$(uname -r).
mkdir -p /lib/modules
ln -sfn "$ndkv_modules" "/lib/modules/$(uname -r)"
# crc32_generic first: rxe's ICRC needs it ("failed to init crc32 algorithm err:-2" otherwise).
# A set-up failure writes no status: the host then reports a VM failure with the kernel log's tail.
modprobe -a crc32_generic veth rdma_rxe ib_uverbs || { log "modprobe failed"; exit 1; }

# Link-local GIDs without waiting for duplicate address detection.
sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
ip link set lo up
n=${ndkv_devices:-2}
for ((i = 0; i < n; i += 2)); do
  ip link add "veth$i" type veth peer name "veth$((i + 1))"
  ip link set "veth$i" up; ip link set "veth$((i + 1))" up
done
for ((i = 0; i < n; i++)); do
  rdma link add "rxe$i" type rxe netdev "veth$i" || { log "rdma link add rxe$i failed"; exit 1; }
done
total=$n
# A host of a multi-host run: its NIC on the shared segment with a fixed link-local IPv4 address, rxe<n>
# on it (after the veth devices, so rxe0..rxe<n-1> are what a single VM has), and the shared directory
# without caching (cache=none: every read asks the host, so one guest sees another's writes at once).
if [ -n "${ndkv_host_index:-}" ]; then
  IFS=, read -ra host_addresses <<<"$ndkv_host_addresses"
  me=${host_addresses[$ndkv_host_index]}
  modprobe virtio_net || { log "modprobe virtio_net failed"; exit 1; }
  ip link set eth0 mtu "$ndkv_host_mtu" up || { log "eth0 set-up failed"; exit 1; }
  ip addr add "$me/$ndkv_host_prefix" dev eth0 || { log "ip addr add $me failed"; exit 1; }
  rdma link add "rxe$n" type rxe netdev eth0 || { log "rdma link add rxe$n failed"; exit 1; }
  total=$((n + 1))
  mkdir -p "$ndkv_shared" &&
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none shared "$ndkv_shared" ||
    { log "no shared directory"; exit 1; }
  hostname "softroce$ndkv_host_index"
else
  hostname softroce
fi
# The IPv4-mapped GID rxe derives from an address, as sysfs prints it.
mapped_gid() {
  local IFS=.
  read -r a b c d <<<"$1"
  printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' "$a" "$b" "$c" "$d"
}
# rxe ports go ACTIVE and get their GID 0 once the veth has its IPv6 link-local address; the NIC's
# device also needs the IPv4 GID of its address.
for ((t = 0; t < 100; t++)); do
  ready=1
  for ((i = 0; i < n; i++)); do
    grep -q ACTIVE "/sys/class/infiniband/rxe$i/ports/1/state" 2>/dev/null || ready=0
    gid=$(cat "/sys/class/infiniband/rxe$i/ports/1/gids/0" 2>/dev/null)
    case "$gid" in fe80:*) ;; *) ready=0 ;; esac
  done
  if [ -n "${ndkv_host_index:-}" ]; then
    grep -q ACTIVE "/sys/class/infiniband/rxe$n/ports/1/state" 2>/dev/null || ready=0
    grep -qx "$(mapped_gid "$me")" /sys/class/infiniband/rxe$n/ports/1/gids/* 2>/dev/null || ready=0
  fi
  [ $ready = 1 ] && break
  sleep 0.1
done
[ $ready = 1 ] || log "warning: rxe devices not all ACTIVE with their GIDs"
# The command starts once every other host answers on the segment (each boots on its own), so a
# client never races its server's boot. A host that never answers is reported, not waited for.
if [ -n "${ndkv_host_index:-}" ]; then
  for peer in "${host_addresses[@]}"; do
    [ "$peer" = "$me" ] && continue
    for ((t = 0; t < 300; t++)); do busybox ping -c 1 -W 1 "$peer" >/dev/null 2>&1 && break; done
    busybox ping -c 1 -W 1 "$peer" >/dev/null 2>&1 || log "warning: host $peer does not answer"
  done
fi

ulimit -l unlimited
# Lets tests tell the VM's devices (rxe0..rxe<N-1>, and a host's rxe<N> on its NIC) from a host's own.
export NDK_VERBS_VM=1 NDK_VERBS_VM_DEVICES=$total
stty -F /dev/ttyS0 raw -echo 2>/dev/null
stty -F /dev/ttyS1 raw -echo 2>/dev/null
# The command writes to the serial lines themselves when the host's stream is a terminal (colours,
# progress bars), else to a pipe pumped onto the line, so it writes plain text as into a host pipe.
# ndkv_stdout_tty / ndkv_stderr_tty (0 or 1) come from the kernel command line.
out=/dev/ttyS0 err=/dev/ttyS1 pumps=()
if [ "${ndkv_stdout_tty:-1}" != 1 ]; then
  mkfifo /run/ndkv-stdout && out=/run/ndkv-stdout && { cat $out >/dev/ttyS0 & pumps+=($!); }
fi
if [ "${ndkv_stderr_tty:-1}" != 1 ]; then
  mkfifo /run/ndkv-stderr && err=/run/ndkv-stderr && { cat $err >/dev/ttyS1 & pumps+=($!); }
fi
bash "$xfer/command.sh" </dev/null >"$out" 2>"$err"
rc=$?
# A pump ends once the pipe is drained and closed; a background process of the command still
# holding it open gets 5 s, not the power to keep the VM up.
for p in "${pumps[@]}"; do
  for ((t = 0; t < 50; t++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill "$p" 2>/dev/null
done
wait
status $rc
