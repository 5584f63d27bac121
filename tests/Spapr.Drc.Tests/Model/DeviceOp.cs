namespace Spapr.Drc.Tests.Model;

/// <summary>One step of a generated device scenario (<see cref="DeviceModelTests"/>); <see cref="object.ToString"/> is what a shrunk failure prints.</summary>
internal abstract record DeviceOp
{
    /// <summary>How an operation names its connector.</summary>
    internal enum TargetKind
    {
        /// <summary>That index (it may be missing, free, owned or gone with its PHB).</summary>
        Fixed,

        /// <summary>The n-th (modulo) connector that belongs to a device when the step runs.</summary>
        Owned,

        /// <summary>The n-th (modulo) connector of a device whose unplug is pending when the step runs; else as <see cref="Owned"/>.</summary>
        Pending,
    }

    private static string Mode(bool hot) => hot ? "hot" : "cold";

    /// <summary>
    /// The connector a step acts on. Random indexes alone rarely line up a chain such as "unplug a DIMM, release one of
    /// its LMBs, cancel, unplug again"; a target that picks among the connectors of devices (or of pending devices) when
    /// the step runs makes those chains common. The driver prints what each target resolved to.
    /// </summary>
    internal readonly record struct Target(TargetKind Kind, uint Value)
    {
        public override string ToString() => Kind switch
        {
            TargetKind.Fixed => ModelOp.Name(Value),
            TargetKind.Owned => $"owned#{Value}",
            _ => $"pending#{Value}",
        };
    }

    /// <summary>A memory device over <paramref name="Count"/> LMBs from LMB <paramref name="First"/> (past LMB 11 some are missing).</summary>
    internal sealed record AttachDimm(uint First, int Count, bool Hot) : DeviceOp
    {
        public override string ToString() => $"plug lmb {First} lmbs {Count} {Mode(Hot)}";
    }

    /// <summary>A CPU core, a PHB (whose missing slots the emulator then creates again) or a PCI card, on one connector.</summary>
    internal sealed record Attach(Target At, bool Hot) : DeviceOp
    {
        public override string ToString() => $"plug {At} {Mode(Hot)}";
    }

    /// <summary>Timeout: null = the type's default, 0 = none, else seconds.</summary>
    internal sealed record Unplug(Target At, int? TimeoutSeconds) : DeviceOp
    {
        public TimeSpan? Timeout => TimeoutSeconds switch
        {
            null => null,
            0 => System.Threading.Timeout.InfiniteTimeSpan,
            int s => TimeSpan.FromSeconds(s),
        };

        public override string ToString() => $"unplug {At}{TimeoutSeconds switch { null => "", 0 => " timeout=none", int s => $" timeout={s}s" }}";
    }

    internal sealed record Cancel(Target At) : DeviceOp
    {
        public override string ToString() => $"cancel {At}";
    }

    /// <summary>Linux's release: isolate, then (logical) unusable; on one connector, or on every connector the device still holds.</summary>
    internal sealed record GuestRelease(Target At, bool WholeDevice) : DeviceOp
    {
        public override string ToString() => $"guest remove {At}{(WholeDevice ? " (whole device)" : "")}";
    }

    /// <summary>Linux's acquire: (logical) usable, unisolate, configure-connector to the end; on one connector or the whole device.</summary>
    internal sealed record GuestAcquire(Target At, bool WholeDevice) : DeviceOp
    {
        public override string ToString() => $"guest add {At}{(WholeDevice ? " (whole device)" : "")}";
    }

    /// <summary>Linux's refusal: unisolate while the unplug is pending.</summary>
    internal sealed record GuestReject(Target At) : DeviceOp
    {
        public override string ToString() => $"guest reject {At}";
    }

    internal sealed record CheckException : DeviceOp
    {
        public override string ToString() => "check-exception";
    }

    internal sealed record Advance(int Seconds) : DeviceOp
    {
        public override string ToString() => $"advance {Seconds}s";
    }

    internal sealed record Reset : DeviceOp
    {
        public override string ToString() => "reset";
    }

    /// <summary>Save, build a destination as an emulator does (same connectors, every device cold-plugged whole), load, go on there.</summary>
    internal sealed record SnapshotLoad : DeviceOp
    {
        public override string ToString() => "save | load";
    }
}
