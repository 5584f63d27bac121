namespace Spapr.Drc.Conformance.Twin;

/// <summary>One RTAS call run on both sides of a <see cref="DispatchTwin"/>.</summary>
/// <param name="QemuHcall">QEMU's qtest reply: 0 (H_SUCCESS) when it ran the call, -4 (H_PARAMETER) for an unknown name.</param>
/// <param name="Result">The library dispatcher's result.</param>
/// <param name="Qemu">The whole buffer (header, arguments, return cells, spare cells) in QEMU's guest memory afterwards.</param>
/// <param name="Library">The same cells in the library's guest memory.</param>
internal sealed record DispatchOutcome(long QemuHcall, RtasDispatchResult Result, uint[] Qemu, uint[] Library);
