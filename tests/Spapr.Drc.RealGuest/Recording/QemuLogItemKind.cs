namespace Spapr.Drc.RealGuest.Recording;

/// <summary>What a <see cref="QemuLogItem"/> records.</summary>
internal enum QemuLogItemKind
{
    IsolationState,
    AllocationState,
    Attach,
    Event,
}
