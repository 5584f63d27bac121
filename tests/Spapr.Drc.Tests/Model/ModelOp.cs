using System.Globalization;

namespace Spapr.Drc.Tests.Model;

/// <summary>One step of a generated scenario; <see cref="object.ToString"/> is what a shrunk failure prints.</summary>
internal abstract record ModelOp
{
    public static string Name(uint index) => DrcIndex.TryFromValue(index, out var valid)
        ? DrcKind.NameOf(valid)
        : "0x" + index.ToString("X8", CultureInfo.InvariantCulture);

    internal sealed record Attach(uint Index, bool Hot, bool Fragment) : ModelOp
    {
        public override string ToString() => $"attach {Name(Index)} {(Hot ? "hot" : "cold")}{(Fragment ? "" : " no-fragment")}";
    }

    internal sealed record AttachMemory(uint First, int Count, bool Hot) : ModelOp
    {
        public override string ToString() => $"attach memory {Name(First)} x{Count} {(Hot ? "hot" : "cold")}";
    }

    /// <summary>Timeout: null = the type's default, 0 = none (infinite), else seconds.</summary>
    internal sealed record Unplug(uint Index, int? TimeoutSeconds) : ModelOp
    {
        public TimeSpan? Timeout => TimeoutSeconds switch
        {
            null => null,
            0 => System.Threading.Timeout.InfiniteTimeSpan,
            int s => TimeSpan.FromSeconds(s),
        };

        public override string ToString() => $"unplug {Name(Index)}{TimeoutSeconds switch { null => "", 0 => " timeout=none", int s => $" timeout={s}s" }}";
    }

    internal sealed record Cancel(uint Index) : ModelOp
    {
        public override string ToString() => $"cancel {Name(Index)}";
    }

    internal sealed record SetIndicator(uint Type, uint Index, uint Value) : ModelOp
    {
        public override string ToString() => $"rtas set-indicator {Type} {Name(Index)} {Value}";
    }

    internal sealed record SetIndicatorCells(int Nargs, int Nret, uint Type, uint Index, uint Value) : ModelOp
    {
        public override string ToString() => $"rtas set-indicator cells nargs={Nargs} nret={Nret} {Type} {Name(Index)} {Value}";
    }

    internal sealed record GetSensorState(uint Sensor, uint Index) : ModelOp
    {
        public override string ToString() => $"rtas get-sensor-state {Sensor} {Name(Index)}";
    }

    internal sealed record Configure(uint Index) : ModelOp
    {
        public override string ToString() => $"rtas configure-connector {Name(Index)}";
    }

    internal sealed record GuestAdd(uint Index) : ModelOp
    {
        public override string ToString() => $"guest add {Name(Index)}";
    }

    internal sealed record GuestRemove(uint Index) : ModelOp
    {
        public override string ToString() => $"guest remove {Name(Index)}";
    }

    internal sealed record GuestReject(uint Index) : ModelOp
    {
        public override string ToString() => $"guest reject {Name(Index)}";
    }

    internal sealed record Reset(bool Negotiate) : ModelOp
    {
        public override string ToString() => Negotiate ? "negotiate" : "reset";
    }

    internal sealed record Advance(int Seconds) : ModelOp
    {
        public override string ToString() => $"advance {Seconds}s";
    }

    internal sealed record CheckException(uint Mask) : ModelOp
    {
        public override string ToString() => $"check-exception 0x{Mask:X8}";
    }
}
