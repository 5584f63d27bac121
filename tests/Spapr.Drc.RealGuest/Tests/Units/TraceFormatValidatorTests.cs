using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Tests.Units;

public sealed class TraceFormatValidatorTests
{
    private const string Machine =
        "{\"machine\": {\"qemu\": \"7.2.22\", \"kernel\": \"6.1.0-50-powerpc64le\", \"smp\": 1, \"maxcpus\": 4, \"ram_mb\": 2048, \"maxmem_mb\": 8192, \"lmb_mb\": 256, \"numa_nodes\": 1, \"negotiated\": true}}";

    [Fact]
    public void Validate_TheIssueExamples_AreWellFormed()
    {
        string text = string.Join('\n',
            Machine,
            "{\"host\": \"device_add\", \"id\": \"core1\", \"type\": \"cpu\", \"drc\": \"0x10000001\"}",
            "{\"host\": \"device_del\", \"id\": \"dimm1\", \"error\": null}",
            "{\"rtas\": \"check-exception\", \"args\": [1280, 4097, 268435456, 0, 41363768, 2048], \"rets\": [0], \"event\": {\"type\": 2, \"action\": 1, \"identifier\": 4, \"index\": \"0x80000008\", \"count\": 2}}",
            "{\"rtas\": \"check-exception\", \"args\": [1280, 4097, 268435456, 0, 41363768, 2048], \"rets\": [1]}",
            "{\"rtas\": \"get-sensor-state\", \"args\": [9003, \"0x80000008\"], \"rets\": [0, 2]}",
            "{\"rtas\": \"set-indicator\", \"args\": [9003, \"0x80000008\", 1], \"rets\": [0]}",
            "{\"rtas\": \"ibm,configure-connector\", \"drc\": \"0x80000008\", \"rets\": [2]}",
            "{\"qmp\": \"DEVICE_DELETED\", \"id\": \"dimm1\"}",
            "{\"qmp\": \"DEVICE_UNPLUG_GUEST_ERROR\", \"id\": \"core1\"}") + "\n";
        TraceFormatValidator.Validate(TraceDocument.Parse("examples", text)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("{\"rtas\": \"get-sensor-state\", \"args\": [9003, 2147483656], \"rets\": [0, 2]}", "DRC index string")]
    [InlineData("{\"rtas\": \"start-cpu\", \"args\": [1], \"rets\": [0]}", "not a DRC RTAS call")]
    [InlineData("{\"qmp\": \"MEM_UNPLUG_ERROR\", \"id\": \"dimm1\"}", "qmp event must be one of")]
    [InlineData("{\"host\": \"device_add\", \"id\": \"dimm1\", \"type\": \"lmb\", \"drc\": \"0x80000008\"}", "needs a count")]
    [InlineData("{\"rtas\": \"check-exception\", \"args\": [1], \"rets\": [0]}", "no decoded event")]
    [InlineData("{\"note\": \"free text\"}", "exactly one of host/rtas/qmp")]
    public void Validate_LineOutsideTheFormat_IsReported(string line, string problem)
    {
        TraceFormatValidator.Validate(TraceDocument.Parse("bad", Machine + "\n" + line + "\n"))
            .Should().ContainSingle().Which.Should().Contain(problem);
    }

    [Fact]
    public void Validate_MachineLineNotFirst_IsReported()
    {
        TraceFormatValidator.Validate(TraceDocument.Parse("bad", "{\"qmp\": \"DEVICE_DELETED\", \"id\": \"x\"}\n" + Machine + "\n"))
            .Should().Contain(p => p.Contains("first line", StringComparison.Ordinal));
    }
}
