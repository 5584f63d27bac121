using System.Buffers.Binary;
using System.Globalization;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// Pairs each rtas_call entry record with its return record (same task) into a <see cref="GuestRtasCall"/>, in
/// the order the calls returned (RTAS calls are serialized by the kernel's rtas lock, so return order is call order).
/// The return probe reads the global rtas.args after the lock is dropped; it is checked against the entry's
/// registers and the return value, and a call another CPU overwrote in between is an error, never a wrong line.
/// </summary>
internal static class GuestCallAssembler
{
    public static IReadOnlyList<GuestRtasCall> Assemble(IEnumerable<KprobeRecord> records, RtasTokens tokens, KernelSymbols symbols)
    {
        var open = new Dictionary<int, KprobeRecord>();
        var calls = new List<GuestRtasCall>();
        var lastByPid = new Dictionary<int, int>();
        foreach (var r in records)
        {
            switch (r.Event)
            {
                case ProbeSet.CallEvent:
                    if (!open.TryAdd(r.Pid, r))
                    {
                        throw new RealGuestException($"rtas_call entry whose previous call never returned a DRC token (probe race?): {open[r.Pid].Raw}");
                    }

                    break;
                case ProbeSet.ReturnEvent:
                    if (!open.Remove(r.Pid, out var entry))
                    {
                        throw new RealGuestException($"rtas_call return without its entry (probe race?): {r.Raw}");
                    }

                    calls.Add(Build(entry, r, tokens));
                    lastByPid[r.Pid] = calls.Count - 1;
                    break;
                case ProbeSet.LogEvent:
                    if (!lastByPid.TryGetValue(r.Pid, out int at) || calls[at].Name != TraceFormat.CheckException)
                    {
                        throw new RealGuestException($"check-exception log without its call: {r.Raw}");
                    }

                    calls[at] = calls[at] with { Log = Bytes(r.UIntArray("log")) };
                    VerifyLogBuffer(calls[at], symbols);
                    break;
                default:
                    break;
            }
        }

        if (open.Count > 0)
        {
            throw new RealGuestException($"rtas_call entries without a return (probe race or an unfinished call): {string.Join(" | ", open.Values.Select(v => v.Raw))}");
        }

        return calls;
    }

    private static GuestRtasCall Build(KprobeRecord entry, KprobeRecord exit, RtasTokens tokens)
    {
        int token = entry.Int("token");
        int nargs = entry.Int("nargs");
        int nret = entry.Int("nret");
        string name = tokens.DrcCallName(token) ?? throw new RealGuestException($"Not a DRC call token {token}: {entry.Raw}");
        uint[] cells = exit.UIntArray("v").Select(ProbeSet.Swap).ToArray();
        uint[] args = cells.Take(nargs).ToArray();
        int[] rets = cells.Skip(nargs).Take(nret).Select(c => unchecked((int)c)).ToArray();

        // Consistency: rtas.args must still hold this call (same token, counts, first inputs, first return).
        uint[] registers = [entry.UInt("a0"), entry.UInt("a1"), entry.UInt("a2")];
        bool same = ProbeSet.Swap(exit.UInt("tok")) == (uint)token
            && ProbeSet.Swap(exit.UInt("nargs")) == (uint)nargs
            && ProbeSet.Swap(exit.UInt("nret")) == (uint)nret
            && nargs + nret <= ProbeSet.ArgCells
            && args.Take(3).SequenceEqual(registers.Take(Math.Min(3, nargs)))
            && rets.Length > 0 && rets[0] == exit.Int("rc");
        if (!same)
        {
            throw new RealGuestException(
                "rtas.args changed between the call and the return probe (another CPU's RTAS call?); " +
                $"entry: {entry.Raw} / return: {exit.Raw}");
        }

        return new GuestRtasCall(name, args, rets, ProbeSet.Swap(entry.UInt("wa0")), null, entry.Task);
    }

    private static void VerifyLogBuffer(GuestRtasCall call, KernelSymbols symbols)
    {
        // check-exception(vector, info, mask, 0, buffer, length): the probe read ras_log_buf, so the buffer must be it.
        if (call.Args.Length < 5 || call.Args[4] != (uint)symbols.RasLogBufPhysical)
        {
            throw new RealGuestException(string.Create(CultureInfo.InvariantCulture,
                $"check-exception wrote to 0x{(call.Args.Length > 4 ? call.Args[4] : 0):x}, not ras_log_buf (0x{symbols.RasLogBufPhysical:x}): the probe read the wrong buffer."));
        }
    }

    private static byte[] Bytes(uint[] nativeWords)
    {
        // Each word was read natively (little-endian) from big-endian memory: writing it back little-endian restores the bytes.
        var bytes = new byte[nativeWords.Length * 4];
        for (int i = 0; i < nativeWords.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), nativeWords[i]);
        }

        return bytes;
    }
}
