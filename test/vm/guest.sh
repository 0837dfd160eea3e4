#!/bin/bash
# Runs as the guest's PID 1 on the overlay root (the host's / read-only + tmpfs): mounts what the
# probes need, runs the test files listed in the run folder's job.env with vitest, writes the report
# and the exit status there, and powers off. Everything it prints goes to the serial console.
RUN=$1
set -u
say() { echo "sonde-vm: $*"; }
# no tmpfs on /tmp: it would hide the host's /tmp, where a checkout (and so this run) may live; the
# overlay root is writable already, its upper layer is tmpfs
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t devpts devpts /dev/pts 2>/dev/null || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
ip link set lo up
# module autoloading (veth, sch_*) from this kernel's own modules, bind-mounted at /lib/modules/$(uname -r)
echo /sbin/modprobe > /proc/sys/kernel/modprobe
kver=$(uname -r)
[ -f "$RUN/config" ] && cp "$RUN/config" "/boot/config-$kver"
ulimit -n 20000
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=1 NO_COLOR=1
# shellcheck disable=SC1091
. "$RUN/job.env"
cd "$PROJECT" || { say "no project at $PROJECT"; echo 2 > "$RUN/exit"; poweroff -f; }
say "kernel $kver, $(nproc) cpu(s), $(awk '/MemTotal/ {print $2" kB"}' /proc/meminfo); running: $TESTS"
echo "$kver" > "$RUN/kernel"
start=$(date +%s)
if [ -n "${CMD:-}" ]; then
  # a command instead of the tests (matrix.mjs --cmd): its output is the run's cmd.log
  timeout "$TIMEOUT_S" bash -c "$CMD" > "$RUN/cmd.log" 2>&1
  rc=$?
  cp "$RUN/cmd.log" "$RUN/vitest.log"
else
  # Timeouts are hang guards, not speed claims: under TCG an fentry/fexit attach or detach waits for an
  # RCU-tasks grace period, seconds to tens of seconds on one emulated CPU, so a test that takes 3 s
  # here once in a while takes 60. Five minutes per test or hook still catches a hang.
  # shellcheck disable=SC2086
  SONDE_VARIANT_LOG="$RUN/variants.jsonl" timeout "$TIMEOUT_S" node node_modules/vitest/vitest.mjs run $TESTS \
    --testTimeout=300000 --hookTimeout=300000 \
    --reporter=verbose --reporter=json --outputFile.json="$RUN/report.json" > "$RUN/vitest.log" 2>&1
  rc=$?
fi
say "tests exited $rc after $(( $(date +%s) - start )) s"
tail -n 40 "$RUN/vitest.log"
echo $rc > "$RUN/exit"
sync
poweroff -f
