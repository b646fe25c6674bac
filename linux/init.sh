#!/bin/busybox sh
# /init of eptlab's Linux initramfs (scripts/mkinitramfs.sh,
# docs/linux-guest.md). Each step prints an "EPTLAB-INIT:" marker line on
# the console (ttyS0) for the tests; the last step writes the run's
# status to eptlab's exit port (/bin/exitcode), then reboots.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
/bin/ticks at /init
echo "EPTLAB-INIT: /init started (pid $$)"
echo "EPTLAB-INIT: $(grep -m1 '^flags' /proc/cpuinfo)"
echo "EPTLAB-INIT: $(grep '^MemTotal' /proc/meminfo)"
status=0
if /bin/memtouch; then
    echo "EPTLAB-INIT: workload PASS"
else
    echo "EPTLAB-INIT: workload FAIL"
    status=1
fi
/bin/ticks after the workload
if /bin/walkdemo; then
    echo "EPTLAB-INIT: walk PASS"
else
    echo "EPTLAB-INIT: walk FAIL"
    status=1
fi
echo "EPTLAB-INIT: done, status $status"
/bin/exitcode $status
reboot -f
while :; do sleep 3600; done
