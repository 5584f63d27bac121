using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

public sealed class BootTests
{
    [QemuFact]
    public void Boot_EveryConnector_SensesAlike()
    {
        using var twin = PseriesTwin.Start();
        foreach (uint index in new uint[] { 0x1000_0000, 0x1000_0001, 0x1000_0003, 0x2000_0000, 0x2000_0001, 0x2000_001e, 0x2000_001f, 0x4000_0000, 0x4000_00ff, 0x4000_0100, 0x8000_0007, 0x8000_0008, 0x8000_001f, 0x8000_0020, 0x9000_0000, 0x9000_0003, 0x9000_0004 })
        {
            twin.Sense(index);
        }

        twin.CheckException().Status.Should().Be(1);
    }
}
