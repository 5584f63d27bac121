namespace Spapr.Drc.Tests.Dispatch;

/// <summary>
/// The /rtas tokens. QEMU 7.2's numbers come from its device tree (<c>qemu-system-ppc64 -machine pseries,dumpdtb=FILE</c>
/// with the conformance suite's command line); the conformance suite compares them with a live dump.
/// </summary>
public sealed class RtasTokensTests
{
    [Theory]
    [InlineData(RtasCall.SetIndicator, "set-indicator", 0x201Au)]
    [InlineData(RtasCall.GetSensorState, "get-sensor-state", 0x201Du)]
    [InlineData(RtasCall.ConfigureConnector, "ibm,configure-connector", 0x201Eu)]
    [InlineData(RtasCall.CheckException, "check-exception", 0x200Eu)]
    [InlineData(RtasCall.EventScan, "event-scan", 0x200Fu)]
    public void Qemu_EachServedCall_HasQemu72sNameAndToken(RtasCall call, string name, uint token)
    {
        RtasTokens.Qemu.TokenOf(call).Should().Be(token);
        RtasTokens.NameOf(call).Should().Be(name);
        RtasTokens.Qemu.CallOf(token).Should().Be(call);
        RtasTokens.QemuNumbering[name].Should().Be(token);
    }

    [Fact]
    public void QemuNumbering_Qemu72Pseries_ListsAll45CallsFrom0x2000To0x202C()
    {
        RtasTokens.QemuNumbering.Should().HaveCount(45);
        RtasTokens.QemuNumbering.Values.Order().Should().Equal(Enumerable.Range(0x2000, 45).Select(t => (uint)t));
        RtasTokens.QemuNumbering.Should().Contain(new Dictionary<string, uint>
        {
            ["display-character"] = 0x2000,
            ["power-off"] = 0x2003,
            ["start-cpu"] = 0x2006,
            ["ibm,set-xive"] = 0x200A,
            ["ibm,os-term"] = 0x201F,
            ["ibm,set-eeh-option"] = 0x2020,
            ["ibm,create-pe-dma-window"] = 0x2027,
            ["ibm,nmi-interlock"] = 0x202C,
        });
    }

    [Fact]
    public void GetDeviceTreeProperties_Qemu_GivesFiveOneCellPropertiesInTokenOrder()
    {
        var properties = RtasTokens.Qemu.GetDeviceTreeProperties();

        properties.Select(p => (p.Name, Convert.ToHexString(p.Value.Span))).Should().Equal(
            ("check-exception", "0000200E"),
            ("event-scan", "0000200F"),
            ("set-indicator", "0000201A"),
            ("get-sensor-state", "0000201D"),
            ("ibm,configure-connector", "0000201E"));
    }

    [Fact]
    public void GetDeviceTreeProperties_OwnTokens_UsesThem()
    {
        var tokens = new RtasTokens(setIndicator: 0x10, getSensorState: 0x11, configureConnector: 0x12, checkException: 0x13, eventScan: 0x14);

        tokens.GetDeviceTreeProperties().Select(p => (p.Name, Convert.ToHexString(p.Value.Span))).Should().Equal(
            ("set-indicator", "00000010"),
            ("get-sensor-state", "00000011"),
            ("ibm,configure-connector", "00000012"),
            ("check-exception", "00000013"),
            ("event-scan", "00000014"));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xAu)]
    [InlineData(0x2000u)]
    [InlineData(0x2003u)]
    [InlineData(0xFFFF_FFFFu)]
    public void CallOf_TokenOfNoServedCall_IsNone(uint token) => RtasTokens.Qemu.CallOf(token).Should().Be(RtasCall.None);

    [Fact]
    public void Constructor_TwoCallsShareAToken_Throws()
    {
        FluentActions.Invoking(() => new RtasTokens(1, 2, 3, 4, 1))
            .Should().Throw<ArgumentException>().WithMessage("Every RTAS call needs its own token*event-scan 0x1*");
    }

    [Theory]
    [InlineData(RtasCall.None)]
    [InlineData((RtasCall)6)]
    public void TokenOfAndNameOf_NotAServedCall_Throw(RtasCall call)
    {
        FluentActions.Invoking(() => RtasTokens.Qemu.TokenOf(call)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => RtasTokens.NameOf(call)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void ToString_Qemu_ListsEachCallWithItsToken() =>
        RtasTokens.Qemu.ToString().Should().Be("set-indicator=0x201a, get-sensor-state=0x201d, ibm,configure-connector=0x201e, check-exception=0x200e, event-scan=0x200f");
}
