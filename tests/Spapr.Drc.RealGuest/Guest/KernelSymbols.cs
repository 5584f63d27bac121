using System.Globalization;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// The kernel globals the kprobes read, from the vmlinux symbol table, with the Linux 6.1 offsets inside them.
/// <c>rtas</c> is <c>struct rtas_t</c> (entry, base, size: 8 bytes each; a 4-byte lock; padding; then
/// <c>struct rtas_args</c> at +32 whose big-endian token, nargs, nret and args[] are what the firmware saw and
/// returned); <c>rtas_data_buf</c> holds the configure-connector work area (word 0 the DRC index);
/// <c>ras_log_buf</c> receives the check-exception error log.
/// </summary>
public sealed record KernelSymbols(ulong Rtas, ulong RtasDataBuf, ulong RasLogBuf)
{
    /// <summary>sizeof(struct rtas_t) in Linux 6.1 on ppc64: a different size means a different layout.</summary>
    public const ulong RtasStructSize = 128;

    /// <summary>Bytes of the check-exception log the probe copies (the 116-byte hotplug log QEMU writes).</summary>
    public const int LogWords = 29;

    public ulong RtasArgs => Rtas + 32;

    public ulong RtasArgsToken => RtasArgs;

    public ulong RtasArgsValues => RtasArgs + 12;

    /// <summary>Physical address of ras_log_buf as the guest passes it to check-exception (the linear map starts at 0xc000...).</summary>
    public ulong RasLogBufPhysical => RasLogBuf & 0x0FFF_FFFF_FFFF_FFFFUL;

    public static KernelSymbols From(ElfSymbolTable table)
    {
        var rtas = table.Object("rtas");
        if (rtas.Size != RtasStructSize)
        {
            throw new RealGuestException(string.Create(CultureInfo.InvariantCulture,
                $"vmlinux: 'rtas' is {rtas.Size} bytes, not {RtasStructSize}: not the Linux 6.1 struct rtas_t the probes read."));
        }

        return new KernelSymbols(rtas.Address, table.Object("rtas_data_buf").Address, table.Object("ras_log_buf").Address);
    }

    public static string Hex(ulong address) => "0x" + address.ToString("x", CultureInfo.InvariantCulture);
}
