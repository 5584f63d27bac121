using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>What one booted guest recorded: scenario traces and device-tree fixtures, plus QEMU's CPU time.</summary>
internal sealed record SessionRecording(IReadOnlyList<ScenarioTrace> Traces, IReadOnlyDictionary<string, JsonObject> Fixtures, TimeSpan QemuCpuTime);
