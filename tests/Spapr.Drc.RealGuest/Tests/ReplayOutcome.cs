namespace Spapr.Drc.RealGuest.Tests;

/// <summary>What a replay printed: its exit code, its output lines (the last is "N agree, M differ"), its errors.</summary>
public sealed record ReplayOutcome(int Exit, string[] Output, string Error);
