namespace Spapr.Drc.Sample;

/// <summary>What a migration sends from the source machine to the destination.</summary>
/// <param name="DrcState">The registry's snapshot (<see cref="DrcRegistry.SaveSnapshot()"/>).</param>
/// <param name="Ram">Guest RAM.</param>
public sealed record MigrationStream(byte[] DrcState, byte[] Ram);
