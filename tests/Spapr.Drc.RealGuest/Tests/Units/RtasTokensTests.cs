using Spapr.Drc.RealGuest.Guest;
using Spapr.Drc.RealGuest.Recording;

namespace Spapr.Drc.RealGuest.Tests.Units;

// Recording.RtasTokens, qualified: the library's Spapr.Drc.RtasTokens (QEMU's numbering, for emulators) lives in an
// enclosing namespace, so the bare name would resolve to it now that this project references src/.
public sealed class RtasTokensTests
{
    [Fact]
    public void ByName_RtasNode_KeepsTokensAndDropsSizes()
    {
        var tokens = new Recording.RtasTokens(GuestTraceSamples.RtasProperties);
        tokens.ByName.Should().ContainKey("event-scan").And.NotContainKey("rtas-size");
        tokens.Token("set-indicator").Should().Be(0x201a);
        tokens.DrcCallName(0x200f).Should().BeNull("event-scan is not a DRC call");
    }

    [Fact]
    public void Constructor_NoConfigureConnectorToken_Throws()
    {
        var act = () => new Recording.RtasTokens(new Dictionary<string, string> { ["check-exception"] = "0000200e" });
        act.Should().Throw<RealGuestException>().WithMessage("*get-sensor-state*");
    }
}
