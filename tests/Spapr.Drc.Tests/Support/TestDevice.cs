namespace Spapr.Drc.Tests.Support;

/// <summary>The emulator's device object as far as the library cares: opaque, with a name for messages.</summary>
internal sealed class TestDevice(string name)
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}
