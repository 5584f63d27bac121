namespace Spapr.Drc.RealGuest.Tests;

/// <summary>
/// The tests that run apt-get or QEMU share this collection, so xunit runs them one after the other: two apt-get runs
/// at once fight over apt's locks, and two recordings at once would only slow each other down on two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealGuestCollection
{
    public const string Name = "real guest (apt-get and QEMU)";
}
