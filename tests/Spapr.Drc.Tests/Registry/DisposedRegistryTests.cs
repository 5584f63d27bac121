using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Registry;

/// <summary>After Dispose, host calls throw and every RTAS call answers -1 without changing anything (one documented way).</summary>
public sealed class DisposedRegistryTests
{
    private static readonly DrcIndex Cpu1 = DrcIndex.From(DrcType.Cpu, 1);

    private static DrcRegistry Disposed(out FakeTimeProvider clock)
    {
        var machine = new Machine();
        clock = machine.Clock;
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 1);
        registry.Attach(Cpu1, "core1", new DeviceTreeNode("cpu@1"), PlugMode.Hot);
        registry.Dispose();
        return registry;
    }

    [Fact]
    public void RtasCalls_AfterDispose_AnswerHardwareErrorAndChangeNothing()
    {
        var registry = Disposed(out _);
        var state = registry[Cpu1].State;

        registry.Rtas.SetIndicator(9003, Cpu1.Value, 1).Should().Be(RtasStatus.HardwareError);
        registry.Rtas.GetSensorState(9003, Cpu1.Value, out uint sense).Should().Be(RtasStatus.HardwareError);
        sense.Should().Be(0);
        var workArea = new byte[DrcRtas.WorkAreaSize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(workArea, Cpu1.Value);
        registry.Rtas.ConfigureConnector(workArea).Should().Be(ConfigureConnectorStatus.HardwareError);
        registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out var e).Should().Be(RtasStatus.HardwareError);
        e.Should().BeNull();

        registry[Cpu1].State.Should().Be(state);
    }

    [Fact]
    public void RtasCellForms_AfterDispose_WriteMinusOne()
    {
        var registry = Disposed(out _);
        var rets = new uint[1];
        var two = new uint[2];

        registry.Rtas.SetIndicator([9001, Cpu1.Value, 0], rets);
        rets[0].Should().Be(unchecked((uint)-1));
        registry.Rtas.GetSensorState([9003, Cpu1.Value], two);
        two.Should().Equal(unchecked((uint)-1), 0u);
        registry.Rtas.CheckException([0, 0, uint.MaxValue, 0, 0, 116], rets, new byte[116]).Should().Be(RtasEventClasses.None);
        rets[0].Should().Be(unchecked((uint)-1));
        registry.Rtas.EventScan([uint.MaxValue, 0, 0, 0], rets).Should().Be(RtasEventClasses.None);
        rets[0].Should().Be(unchecked((uint)-1));
    }

    [Fact]
    public void HostCalls_AfterDispose_Throw()
    {
        var registry = Disposed(out _);

        ((Action)(() => registry.RequestUnplug(Cpu1))).Should().Throw<ObjectDisposedException>();
        ((Action)(() => registry.CancelUnplug(Cpu1))).Should().Throw<ObjectDisposedException>();
        ((Action)(() => registry.Attach(DrcIndex.From(DrcType.Cpu, 1), "x", null, PlugMode.Cold))).Should().Throw<ObjectDisposedException>();
        ((Action)registry.Reset).Should().Throw<ObjectDisposedException>();
        ((Action)(() => registry.SaveSnapshot())).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Dispose_Twice_IsHarmless()
    {
        var registry = Disposed(out var clock);

        registry.Dispose();
        clock.Advance(TimeSpan.FromMinutes(1));

        registry.HasUnplugTimer.Should().BeFalse();
    }
}
