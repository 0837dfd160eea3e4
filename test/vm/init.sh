#!/bin/sh
# /init of the matrix's initramfs: load the 9p/overlay modules, mount the host's root read-only over
# virtio-9p under a tmpfs overlay, mount the run's folder read-write, then hand over to guest.sh.
# Parameters come on the kernel command line: sonde.run=<host dir of this run, shared read-write>,
# sonde.guest=<the script to run>, sonde.modules=<host dir of this kernel's unpacked modules>.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
fail() { echo "sonde-vm: init failed: $*"; echo o > /proc/sysrq-trigger; sleep 5; poweroff -f; }
for m in $(cat /modules/order); do insmod /modules/$m || fail "insmod $m"; done
for a in $(cat /proc/cmdline); do
  case "$a" in
    sonde.run=*) RUN=${a#sonde.run=} ;;
    sonde.modules=*) MODS=${a#sonde.modules=} ;;
    sonde.guest=*) GUEST=${a#sonde.guest=} ;;
  esac
done
[ -n "$RUN" ] && [ -n "$GUEST" ] || fail "no sonde.run= or sonde.guest= on the command line"
opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $opts,cache=loose,ro hostroot /lower || fail "mount the host root over 9p"
mount -t tmpfs -o size=1536m,mode=0755 upper /upper || fail "tmpfs for the overlay"
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || fail "overlay root"
mount -t 9p -o $opts run "/newroot$RUN" || fail "mount the run folder"
if [ -n "$MODS" ]; then
  kver=$(uname -r)
  mkdir -p "/newroot/lib/modules/$kver"
  mount --bind "/newroot$MODS" "/newroot/lib/modules/$kver" || fail "bind the kernel's modules"
fi
for d in proc sys dev; do mount --move /$d /newroot/$d; done
echo "sonde-vm: root ready, starting guest.sh"
exec switch_root /newroot /bin/bash "$GUEST" "$RUN"
