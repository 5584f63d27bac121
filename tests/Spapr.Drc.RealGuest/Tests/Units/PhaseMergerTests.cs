using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;
using Spapr.Drc.RealGuest.Recording;

namespace Spapr.Drc.RealGuest.Tests.Units;

public sealed class PhaseMergerTests
{
    private static readonly GuestRtasCall Sensor = new(TraceFormat.GetSensorState, [9003, 0x10000001], [0, 1], 0, null, "kworker");
    private static readonly GuestRtasCall Isolate = new(TraceFormat.SetIndicator, [9001, 0x10000001, 0], [0], 0, null, "kworker");
    private static readonly GuestRtasCall Unusable = new(TraceFormat.SetIndicator, [9003, 0x10000001, 0], [0], 0, null, "kworker");

    [Fact]
    public void Merge_EventLoggedAfterTheSecondStateChange_FollowsTheSecondSetIndicator()
    {
        var qemu = new[]
        {
            Parse("spapr_drc_set_isolation_state drc: 0x10000001, state: 0x0"),
            Parse("spapr_drc_set_allocation_state drc: 0x10000001, state: 0x0"),
            Parse("monitor_qmp_respond mon 0x55 resp: {\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"core1\", \"path\": \"/machine/peripheral/core1\"}}"),
        };
        var host = new JsonObject { ["host"] = "device_del", ["id"] = "core1", ["error"] = null };
        var lines = PhaseMerger.Merge(host, [Sensor, Isolate, Unusable], qemu).Select(JsonLine.Write).ToList();
        lines.Should().HaveCount(5);
        lines[4].Should().Be("{\"qmp\": \"DEVICE_DELETED\", \"id\": \"core1\"}");
    }

    [Fact]
    public void Merge_SubDeviceEvent_IsNotRecorded()
    {
        var qemu = new[] { Parse("monitor_qmp_respond mon 0x55 resp: {\"event\": \"DEVICE_DELETED\", \"data\": {\"path\": \"/machine/peripheral/core1/thread[0]\"}}") };
        PhaseMerger.Merge(null, [], qemu).Should().BeEmpty();
    }

    [Fact]
    public void Merge_GuestCallQemuNeverLogged_Throws()
    {
        var act = () => PhaseMerger.Merge(null, [Isolate], []);
        act.Should().Throw<RealGuestException>().WithMessage("*no matching QEMU trace line*");
    }

    private static QemuLogItem Parse(string line) => QemuLogItem.Parse(line)!;
}
