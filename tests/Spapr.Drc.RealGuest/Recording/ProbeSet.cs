using System.Buffers.Binary;
using System.Globalization;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// The kprobe events the recorder defines in the guest (group "rg"), built from the vmlinux symbol addresses and
/// the guest's RTAS tokens. rtas_call's entry probe reads the token and the first arguments from registers and the
/// configure-connector work area's word 0 (the DRC index); its return probe reads the kernel's rtas.args, which
/// then holds the inputs and every return cell; a second return probe copies the check-exception error log.
/// Memory is big-endian and the probes print native u32, so every memory word arrives byte-swapped.
/// </summary>
internal sealed class ProbeSet
{
    public const string Group = "rg";
    public const string CallEvent = "call";
    public const string ReturnEvent = "ret";
    public const string LogEvent = "log";
    public const string HandlerEvent = "hp";
    public const string HandlerReturnEvent = "hpret";
    public const string PropertyUpdateEvent = "of_update_property";

    /// <summary>How many rtas.args cells the return probe copies (check-exception, the widest DRC call, uses 7).</summary>
    public const int ArgCells = 10;

    public ProbeSet(KernelSymbols symbols, RtasTokens tokens)
    {
        string args = KernelSymbols.Hex(symbols.RtasArgsToken);
        string cells = KernelSymbols.Hex(symbols.RtasArgsValues);
        string nargs = KernelSymbols.Hex(symbols.RtasArgs + 4);
        string nret = KernelSymbols.Hex(symbols.RtasArgs + 8);
        Required =
        [
            $"p:{Group}/{CallEvent} rtas_call token=%r3:s32 nargs=%r4:s32 nret=%r5:s32 a0=%r7:u32 a1=%r8:u32 a2=%r9:u32 wa0=@{KernelSymbols.Hex(symbols.RtasDataBuf)}:u32",
            $"r:{Group}/{ReturnEvent} rtas_call rc=$retval:s32 tok=@{args}:u32 nargs=@{nargs}:u32 nret=@{nret}:u32 v=@{cells}:u32[{ArgCells}]",
            $"r:{Group}/{LogEvent} rtas_call tok=@{args}:u32 log=@{KernelSymbols.Hex(symbols.RasLogBuf)}:u32[{KernelSymbols.LogWords}]",
            // struct pseries_hp_errorlog: resource, action, id_type, reserved, then the big-endian payload words.
            $"p:{Group}/{HandlerEvent} handle_dlpar_errorlog res=+0(%r3):u8 act=+1(%r3):u8 idt=+2(%r3):u8 d0=+4(%r3):u32 d1=+8(%r3):u32",
            $"r:{Group}/{HandlerReturnEvent} handle_dlpar_errorlog rc=$retval:s32",
        ];

        // Context for the raw log only (what the kernel decided between RTAS calls); struct drmem_lmb starts with
        // base_addr (u64) then drc_index (u32). Missing ones (a function inlined in another build) are tolerated.
        Diagnostic =
        [
            $"p:{Group}/remove_lmb dlpar_remove_lmb base=+0(%r3):x64 drc=+8(%r3):x32",
            $"r:{Group}/remove_lmb_ret dlpar_remove_lmb rc=$retval:s32",
            $"p:{Group}/add_lmb dlpar_add_lmb base=+0(%r3):x64 drc=+8(%r3):x32",
            $"r:{Group}/add_lmb_ret dlpar_add_lmb rc=$retval:s32",
            $"r:{Group}/offline_cpu_ret dlpar_offline_cpu rc=$retval:s32",
            $"r:{Group}/online_cpu_ret dlpar_online_cpu rc=$retval:s32",
            $"p:{Group}/acquire_drc dlpar_acquire_drc drc=%r3:x32",
            $"p:{Group}/release_drc dlpar_release_drc drc=%r3:x32",
            $"p:{Group}/unisolate_drc dlpar_unisolate_drc drc=%r3:x32",

            // The guest kernel rewriting its own device tree (struct property starts with its name pointer).
            $"p:{Group}/{PropertyUpdateEvent} of_update_property name=+0(+0(%r4)):string",
        ];

        var drcTokens = tokens.DrcCallTokens;
        CallFilter = string.Join("||", drcTokens.Select(t => string.Create(CultureInfo.InvariantCulture, $"token=={t}")));
        ReturnFilter = string.Join("||", drcTokens.Select(t => "tok==" + Swapped(t)));
        LogFilter = "tok==" + Swapped(tokens.Token(TraceFormat.CheckException));
    }

    public IReadOnlyList<string> Required { get; }

    public IReadOnlyList<string> Diagnostic { get; }

    /// <summary>Keeps only DRC calls (event-scan, query-cpu-stopped-state and friends are noise, hundreds per CPU online).</summary>
    public string CallFilter { get; }

    public string ReturnFilter { get; }

    public string LogFilter { get; }

    /// <summary>A big-endian memory word as the probe prints it (native little-endian read).</summary>
    public static uint Swap(uint value) => BinaryPrimitives.ReverseEndianness(value);

    private static string Swapped(int token) => "0x" + Swap((uint)token).ToString("x8", CultureInfo.InvariantCulture);
}
