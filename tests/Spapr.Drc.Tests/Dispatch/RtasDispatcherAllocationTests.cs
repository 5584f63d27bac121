using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Dispatch.DispatchMachine;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>Every RTAS call through the dispatcher allocates nothing once warm (the vCPU path must not feed the GC).</summary>
public sealed class RtasDispatcherAllocationTests
{
    private const int WarmUp = 200;
    private const int Measured = 2_000;

    public static TheoryData<string> Kinds =>
    [
        "set-indicator no-op",
        "set-indicator transition",
        "set-indicator refused",
        "get-sensor-state",
        "configure-connector",
        "check-exception with event",
        "check-exception empty",
        "event-scan",
        "unknown token",
        "wrong counts",
        "buffer outside memory",
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Dispatch_CallAfterWarmUp_AllocatesNothing(string kind)
    {
        using var m = new DispatchMachine();
        m.Registry.SkipDebugInvariantChecks(); // a Debug build's check after each call allocates by itself
        var call = Prepare(m, kind);
        for (int i = 0; i < WarmUp; i++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Measured; i++)
        {
            call();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().Be(0, $"{kind} must not allocate ({allocated} B over {Measured} calls)");
    }

    /// <summary>Lays out the buffers once; the returned call dispatches and checks the status, as a vCPU would.</summary>
    private static Action Prepare(DispatchMachine m, string kind)
    {
        var dispatcher = m.Dispatcher;
        var cpu = m.Create(DrcType.Cpu, 0);
        m.ColdPlug(cpu, Fragments.WithChild());
        uint index = cpu.Index.Value;
        switch (kind)
        {
            case "set-indicator no-op":
                m.WriteBuffer(Args, SetIndicator, 3, 1, [9001, index, 1]);
                return Expect(dispatcher, 0);
            case "set-indicator transition":
                m.Isolate(cpu).Should().Be(RtasStatus.Success);
                const ulong Second = Args + 0x40;
                m.WriteBuffer(Args, SetIndicator, 3, 1, [9003, index, 0]);
                m.WriteBuffer(Second, SetIndicator, 3, 1, [9003, index, 1]);
                return () =>
                {
                    Check(dispatcher.Dispatch(Args), 0);
                    Check(dispatcher.Dispatch(Second), 0);
                };
            case "set-indicator refused":
                m.WriteBuffer(Args, SetIndicator, 3, 1, [9001, 0xDEAD_BEEF, 1]);
                return Expect(dispatcher, -3);
            case "get-sensor-state":
                m.WriteBuffer(Args, GetSensorState, 2, 2, [9003, index]);
                return Expect(dispatcher, 0);
            case "configure-connector":
                m.Memory.WriteCells(WorkArea, index, 0);
                m.WriteBuffer(Args, ConfigureConnector, 2, 1, [(uint)WorkArea, 0]);
                return () =>
                {
                    while (dispatcher.Dispatch(Args).Status != 0)
                    {
                    }
                };
            case "check-exception with event":
                // Enough events queued up front for the warm-up and every measured call (queuing allocates; taking must not).
                int events = WarmUp + Measured + 1;
                foreach (var drc in m.Registry.CreateConnectors(DrcType.Cpu, 1, events))
                {
                    m.Registry.Attach(drc.Index, drc.Name, null, PlugMode.Hot);
                }

                m.WriteBuffer(Args, CheckException, 6, 1, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048]);
                return Expect(dispatcher, 0);
            case "check-exception empty":
                m.WriteBuffer(Args, CheckException, 6, 1, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048]);
                return Expect(dispatcher, 1);
            case "event-scan":
                m.WriteBuffer(Args, EventScan, 4, 1, [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048]);
                return Expect(dispatcher, 1);
            case "unknown token":
                m.WriteBuffer(Args, 0x2003, 0, 1, []);
                return Expect(dispatcher, -3);
            case "wrong counts":
                m.WriteBuffer(Args, GetSensorState, 1, 2, [9003]);
                return Expect(dispatcher, -3);
            default:
                return () => Check(dispatcher.Dispatch(0x9000_0000), -3);
        }
    }

    private static Action Expect(RtasDispatcher dispatcher, int status) => () => Check(dispatcher.Dispatch(Args), status);

    private static void Check(RtasDispatchResult result, int status)
    {
        if (result.Status != status)
        {
            throw new InvalidOperationException($"Expected status {status}, got {result}.");
        }
    }
}
