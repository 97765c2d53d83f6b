#!/bin/busybox sh
# /init of a Strata VM sandbox (runs from the initramfs the host builds).
# Loads the virtio drivers, brings up the network the host put on the kernel
# command line (loading the network drivers only then), finds the agent's virtio-serial port and hands over to the
# agent, which mounts the shared root and runs the workload in its own
# namespaces. If anything here fails, init exits: the kernel panics, and with
# panic=-1 and QEMU's -no-reboot the VM ends, which the host reports.
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /lib/modules/load-order); do
  $B insmod /lib/modules/$m.ko || echo "strata-init: insmod $m failed"
done
$B ip link set lo up
for arg in $($B cat /proc/cmdline); do
  case "$arg" in
    strata.ip=*) addr="${arg#strata.ip=}" ;;
    strata.gw=*) gw="${arg#strata.gw=}" ;;
  esac
done
if [ -n "$addr" ]; then
  for m in $($B cat /lib/modules/load-order-network); do
    $B insmod /lib/modules/$m.ko || echo "strata-init: insmod $m failed"
  done
  $B ip link set eth0 up && $B ip addr add "$addr" dev eth0 || echo "strata-init: eth0 setup failed"
  [ -n "$gw" ] && $B ip route add default via "$gw"
fi
port=
tries=0
while [ -z "$port" ] && [ $tries -lt 100 ]; do
  for p in /sys/class/virtio-ports/*; do
    [ -e "$p/name" ] && [ "$($B cat "$p/name")" = strata.agent ] && [ -e "/dev/${p##*/}" ] && port="/dev/${p##*/}"
  done
  [ -z "$port" ] && { tries=$((tries + 1)); $B usleep 50000; }
done
[ -n "$port" ] || { echo "strata-init: no strata.agent port"; exit 1; }
exec /sbin/strata-agent --vm "$port"
