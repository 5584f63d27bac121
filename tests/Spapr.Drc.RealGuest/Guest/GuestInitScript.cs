namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// The initramfs's /init (busybox sh, PID 1). It only prepares the guest and then runs every line the host writes on
/// the console (hvc0) as a shell command: probes, hotplug help and device-tree dumps are all driven from the host, so
/// the guest side stays this small and the host code is the single place that knows the scenarios.
/// </summary>
public static class GuestInitScript
{
    /// <summary>The line /init prints when it starts serving commands.</summary>
    public const string ReadyMarker = "RG-READY";

    /// <summary>Prefix of a device-tree property line printed by the <c>props</c> helper.</summary>
    public const string PropertyMarker = "RG-PROP";

    public const string Text = """
        #!/bin/busybox sh
        # Real-guest recorder /init: mount what the recorder reads, then run the host's commands from hvc0.
        /bin/busybox --install -s /bin
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev
        mount -t tracefs tracefs /sys/kernel/tracing

        # Kernel messages would interleave with command output on hvc0; the host reads them with dmesg instead.
        echo 1 > /proc/sys/kernel/printk

        # props DIR: "RG-PROP <name> <hex>" for each property of a device-tree node (empty hex for empty properties).
        props() {
          for f in "$1"/*; do
            [ -f "$f" ] || continue
            echo "RG-PROP ${f##*/} $(od -An -tx1 -v "$f" | tr -d ' \n')"
          done
        }

        # pinned_sleepers MASK N: N sleeping processes forked by a shell bound to the CPUs in MASK, so their kernel
        # stacks and page tables are allocated on that CPU's NUMA node (unmovable memory the host wants placed there).
        pinned_sleepers() {
          taskset "$1" sh -c "i=0; while [ \$i -lt $2 ]; do sleep 1000000 & i=\$((i+1)); done"
        }

        # Commands arrive without echo, one per line; output and errors go back to the console.
        stty -echo 2>/dev/null
        echo "RG-READY $(cut -d' ' -f1 /proc/uptime)"
        while true; do
          while IFS= read -r line; do eval "$line"; done </dev/console >/dev/console 2>&1
        done

        """;
}
