namespace Spapr.Drc.Fuzz;

/// <summary>A fuzz input made the library break a SPEC rule: AFL records it as a crash.</summary>
internal sealed class FuzzFindingException(string message) : Exception(message);
