namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// What a full recording wrote and what it cost: wall time (and the part spent getting the guest image), the test
/// process's own CPU, QEMU's CPU (read just before each QEMU quits), and all finished children's CPU (QEMU, apt, dpkg).
/// </summary>
public sealed record RecordingResult(
    IReadOnlyList<string> TraceFiles,
    IReadOnlyList<string> FixtureFiles,
    IReadOnlyList<string> BestEffortScenarios,
    string KernelRelease,
    bool PinnedKernel,
    TimeSpan Wall,
    TimeSpan PrepareWall,
    TimeSpan RecorderCpu,
    TimeSpan QemuCpu,
    TimeSpan ChildrenCpu,
    string? KeptWorkDirectory);
