using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>The committed device-tree fixtures, without QEMU: present, parseable, and saying what they were taken on.</summary>
public sealed class CommittedDeviceTreeTests
{
    public static TheoryData<string> Fixtures =>
    [
        "rtas.json",
        "root-drc-properties.json",
        "cpus-drc-properties.json",
        "phb-drc-properties.json",
        "chosen-architecture-vectors.json",
        "dynamic-reconfiguration-memory-before-plug.json",
        "dynamic-reconfiguration-memory-after-plug.json",
        "dynamic-reconfiguration-memory-after-unplug.json",
    ];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_Committed_RecordsTheQemuCommandLine(string name)
    {
        var fixture = Load(name);
        string commandLine = fixture["qemu_command_line"]!.GetValue<string>();
        commandLine.Should().Contain("-m 2048M,slots=4,maxmem=8192M").And.Contain("-smp 1,maxcpus=4").And.Contain("-machine pseries");
        fixture["properties"].Should().BeOfType<JsonObject>().Which.Should().NotBeEmpty();
    }

    [Fact]
    public void RtasTokens_Committed_IncludeEveryDrcCall()
    {
        var tokens = Load("rtas.json")["tokens"]!.AsObject();
        foreach (var call in TraceFormat.RtasCalls)
        {
            tokens[call]!.GetValue<int>().Should().BeInRange(0x2000, 0x2FFF, $"{call} is one of QEMU's tokens");
        }
    }

    [Theory]
    [InlineData("root-drc-properties.json", "0x80000008", "the first hot-pluggable LMB")]
    [InlineData("root-drc-properties.json", "0x20000000", "the default PHB")]
    [InlineData("cpus-drc-properties.json", "0x10000000", "the boot core")]
    [InlineData("phb-drc-properties.json", "0x40000000", "slot 0 of the default PHB")]
    public void DrcIndexes_Committed_ListTheConnector(string fixture, string index, string what) =>
        Load(fixture)["decoded"]!["ibm,drc-indexes"]!.AsArray().Select(n => n!.GetValue<string>())
            .Should().Contain(index, $"{fixture} should list {what}");

    [Fact]
    public void DynamicMemory_AfterPlug_ChangedOnlyInTheDynamicMemoryProperty()
    {
        var after = Load("dynamic-reconfiguration-memory-after-plug.json");
        after["changed_properties"]!.AsArray().Select(n => n!.GetValue<string>())
            .Should().OnlyContain(p => p.StartsWith("ibm,dynamic-memory", StringComparison.Ordinal));
    }

    private static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(CommittedFiles.Fixture(name)))!.AsObject();
}
