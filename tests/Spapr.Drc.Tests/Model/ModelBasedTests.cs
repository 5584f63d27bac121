using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Model;

/// <summary>
/// Random sequences of host operations, guest RTAS calls (valid and invalid), resets and clock advances against
/// <see cref="ReferenceModel"/>; after every step codes, states, pending flags, deadlines, the event queue and the
/// notification counts must agree, nothing may throw, and the registry's invariants must hold. A failure prints
/// the shrunk sequence, one step per line.
/// </summary>
public sealed class ModelBasedTests
{
    private const uint BootCpu = 0x1000_0000;
    private const uint Phb1 = 0x2000_0001;

    // CPU 0 (boot), 1, 2; PHB 1; PCI slot 1 functions 0 and 1, and a slot under PHB 1; LMB 8-10; PMEM 0.
    private static readonly (uint Index, uint? Owner)[] Layout =
    [
        (BootCpu, null), (0x1000_0001, null), (0x1000_0002, null), (Phb1, null),
        (0x4000_0008, null), (0x4000_0009, null), (0x4001_0000, Phb1),
        (0x8000_0008, null), (0x8000_0009, null), (0x8000_000A, null), (0x9000_0000, null),
    ];

    private static readonly uint[] Valid = Layout.Select(l => l.Index).ToArray();

    private static readonly Gen<uint> AnyIndex = Gen.OneOfConst<uint>([.. Valid, 0xDEAD_BEEF, 0x1000_0007, 0x3000_0000]);
    private static readonly Gen<uint> ValidIndex = Gen.OneOfConst(Valid);

    private static readonly Gen<ModelOp> Op = Gen.Frequency(
        (8, Gen.Select(ValidIndex, Gen.Bool, Gen.Int[0, 5], (i, hot, f) => (ModelOp)new ModelOp.Attach(i, hot, f != 0))),
        (3, Gen.Select(Gen.OneOfConst(0x8000_0008u, 0x8000_0009u), Gen.Int[1, 3], Gen.Bool, (i, n, hot) => (ModelOp)new ModelOp.AttachMemory(i, n, hot))),
        (10, Gen.Select(ValidIndex, Gen.OneOfConst<int?>(null, null, 0, 5, 20), (i, t) => (ModelOp)new ModelOp.Unplug(i, t))),
        (1, Gen.Select(AnyIndex, Gen.OneOfConst<int?>(null, 5), (i, t) => (ModelOp)new ModelOp.Unplug(i, t))),
        (3, Gen.Frequency((4, ValidIndex), (1, AnyIndex)).Select(i => (ModelOp)new ModelOp.Cancel(i))),
        (14, Gen.Select(Gen.OneOfConst(9001u, 9001u, 9003u, 9003u, 9002u, 9004u), AnyIndex, Gen.OneOfConst(0u, 0u, 1u, 1u, 2u, 3u, 4u), (t, i, v) => (ModelOp)new ModelOp.SetIndicator(t, i, v))),
        (2, Gen.Select(Gen.Int[2, 4], Gen.Int[1, 2], Gen.OneOfConst(9001u, 9003u), ValidIndex, Gen.OneOfConst(0u, 1u), (a, r, t, i, v) => (ModelOp)new ModelOp.SetIndicatorCells(a, r, t, i, v))),
        (3, Gen.Select(Gen.OneOfConst(9003u, 9003u, 9001u), AnyIndex, (s, i) => (ModelOp)new ModelOp.GetSensorState(s, i))),
        (8, AnyIndex.Select(i => (ModelOp)new ModelOp.Configure(i))),
        (6, ValidIndex.Select(i => (ModelOp)new ModelOp.GuestAdd(i))),
        (5, ValidIndex.Select(i => (ModelOp)new ModelOp.GuestRemove(i))),
        (2, ValidIndex.Select(i => (ModelOp)new ModelOp.GuestReject(i))),
        (2, Gen.Bool.Select(n => (ModelOp)new ModelOp.Reset(n))),
        (6, Gen.Int[1, 20].Select(s => (ModelOp)new ModelOp.Advance(s))),
        (2, Gen.OneOfConst(0x4000_0000u, 0x1000_0000u, 0xFFFF_FFFFu).Select(m => (ModelOp)new ModelOp.CheckException(m))));

    // Most connectors start with a device (cold or hot plugged) so that unplugs, timeouts and rejections are common.
    private static readonly Gen<ModelOp[]> Prelude = Gen.Int[0, 4].Array[Valid.Length].Select(choices => choices
        .Select((choice, i) => choice == 0 ? null : (ModelOp)new ModelOp.Attach(Valid[i], Hot: choice == 1, Fragment: choice != 4))
        .OfType<ModelOp>().ToArray());

    private static readonly Gen<ModelOp[]> Sequence = Gen.Select(Prelude, Op.Array[1, 50], (prelude, ops) => (ModelOp[])[.. prelude, .. ops]);

    private static readonly Gen<Scenario> Scenarios = Gen.Select(
        Gen.OneOfConst(UnplugTimeoutPolicy.KeepPending, UnplugTimeoutPolicy.ClearRequest),
        Sequence,
        (policy, ops) => new Scenario(policy, ops));

    [Fact]
    public void RandomSequences_AgainstReferenceModel_AgreeAfterEveryStep()
    {
        Scenarios.Sample(Run, iter: 1000, print: s => s.ToString());
    }

    [Theory]
    [InlineData(UnplugTimeoutPolicy.KeepPending)]
    [InlineData(UnplugTimeoutPolicy.ClearRequest)]
    public void RandomSequences_UnderEachTimeoutPolicy_AgreeAfterEveryStep(UnplugTimeoutPolicy policy)
    {
        Sequence.Select(ops => new Scenario(policy, ops)).Sample(Run, iter: 200, print: s => s.ToString());
    }

    [Fact]
    public void Run_HandWrittenScenarioCoveringTimeouts_Agrees()
    {
        // A fixed walk through the timer paths, so they are exercised even on an unlucky seed.
        Run(new Scenario(UnplugTimeoutPolicy.KeepPending,
        [
            new ModelOp.Attach(0x1000_0001, Hot: true, Fragment: true),
            new ModelOp.GuestAdd(0x1000_0001),
            new ModelOp.Unplug(0x1000_0001, null),
            new ModelOp.Advance(10),
            new ModelOp.Unplug(0x1000_0001, null),
            new ModelOp.Advance(5),
            new ModelOp.Unplug(0x1000_0001, 5),
            new ModelOp.Advance(6),
            new ModelOp.GuestRemove(0x1000_0001),
            new ModelOp.Attach(0x1000_0002, Hot: false, Fragment: true),
            new ModelOp.Unplug(0x1000_0002, 0),
            new ModelOp.Unplug(0x1000_0002, 3),
            new ModelOp.Advance(3),
            new ModelOp.Cancel(0x1000_0002),
            new ModelOp.Reset(false),
        ]));
        Run(new Scenario(UnplugTimeoutPolicy.ClearRequest,
        [
            new ModelOp.AttachMemory(0x8000_0008, 3, Hot: false),
            new ModelOp.Unplug(0x8000_0009, 7),
            new ModelOp.Advance(7),
            new ModelOp.GuestRemove(0x8000_0008),
            new ModelOp.Unplug(0x8000_0008, null),
            new ModelOp.GuestRemove(0x8000_0008),
            new ModelOp.GuestRemove(0x8000_0009),
            new ModelOp.GuestReject(0x8000_000A),
        ]));
    }

    private static void Run(Scenario scenario)
    {
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = scenario.Policy });
        var registry = machine.Registry;
        var time = machine.Clock;
        var recorder = machine.Notifications;
        foreach (var (index, owner) in Layout)
        {
            registry.CreateConnector((DrcType)(index >> 28), index & DrcIndex.MaxId, owner is { } o ? new DrcIndex(o) : null);
        }

        var model = new ReferenceModel(scenario.Policy, time.GetUtcNow(), Layout);
        var harness = new Harness(registry, time, model, recorder);
        for (int step = 0; step < scenario.Ops.Length; step++)
        {
            try
            {
                harness.Apply(scenario.Ops[step]);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Step {step + 1} ({scenario.Ops[step]}): {ex.Message}", ex);
            }
        }
    }

    internal sealed record Scenario(UnplugTimeoutPolicy Policy, ModelOp[] Ops)
    {
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append("machine timeout-action=").Append(Policy).AppendLine();
            for (int i = 0; i < Ops.Length; i++)
            {
                text.Append(i + 1).Append(". ").Append(Ops[i]).AppendLine();
            }

            return text.ToString();
        }
    }

    private sealed class Harness(DrcRegistry registry, FakeTimeProvider time, ReferenceModel model, NotificationRecorder recorder)
    {
        private int _devices;

        public void Apply(ModelOp op)
        {
            switch (op)
            {
                case ModelOp.Attach a:
                {
                    var device = new TestDevice($"dev{++_devices}");
                    bool actual = registry.TryAttach(new DrcIndex(a.Index), device, a.Fragment ? Fragments.WithChild() : null, a.Hot ? PlugMode.Hot : PlugMode.Cold, out _);
                    Same("attach result", model.Attach(a.Index, device, a.Fragment, a.Hot), actual);
                    break;
                }

                case ModelOp.AttachMemory m:
                {
                    var device = new TestDevice($"dimm{++_devices}");
                    bool actual = registry.TryAttachMemoryDevice(new DrcIndex(m.First), m.Count, device, _ => Fragments.WithChild(), m.Hot ? PlugMode.Hot : PlugMode.Cold, out _);
                    Same("attach memory result", model.AttachMemory(m.First, m.Count, device, true, m.Hot), actual);
                    break;
                }

                case ModelOp.Unplug u:
                {
                    var result = registry.RequestUnplug(new DrcIndex(u.Index), u.Timeout);
                    var expected = model.RequestUnplug(u.Index, u.Timeout);
                    Same("unplug status", expected.Status, result.Status);
                    Same("unplug time remaining", expected.Remaining, result.TimeRemaining);
                    break;
                }

                case ModelOp.Cancel c:
                    Same("cancel result", model.Cancel(c.Index), registry.CancelUnplug(new DrcIndex(c.Index)));
                    break;
                case ModelOp.SetIndicator s:
                    SetIndicator(s.Type, s.Index, s.Value);
                    break;
                case ModelOp.SetIndicatorCells s:
                {
                    uint[] args = [s.Type, s.Index, s.Value, 0];
                    uint[] rets = [0xA5A5_A5A5, 0xA5A5_A5A5];
                    registry.Rtas.SetIndicator(args.AsSpan(0, s.Nargs), rets.AsSpan(0, s.Nret));
                    int expected = s.Nargs == 3 && s.Nret == 1 ? model.SetIndicator(s.Type, s.Index, s.Value) : -3;
                    Same("set-indicator cell status", expected, unchecked((int)rets[0]));
                    Same("set-indicator second return cell", 0xA5A5_A5A5u, rets[1]);
                    break;
                }

                case ModelOp.GetSensorState g:
                    Sense(g.Sensor, g.Index);
                    break;
                case ModelOp.Configure c:
                    Configure(c.Index);
                    break;
                case ModelOp.GuestAdd g:
                    GuestAdd(g.Index);
                    return;
                case ModelOp.GuestRemove g:
                    Sense(9003, g.Index);
                    SetIndicator(9001, g.Index, 0);
                    if (g.Index >> 28 != 4)
                    {
                        SetIndicator(9003, g.Index, 0);
                    }

                    return;
                case ModelOp.GuestReject g:
                    SetIndicator(9001, g.Index, 1);
                    break;
                case ModelOp.Reset r:
                    if (r.Negotiate)
                    {
                        registry.NegotiateClientArchitecture();
                    }
                    else
                    {
                        registry.Reset();
                    }

                    model.Reset(r.Negotiate);
                    break;
                case ModelOp.Advance a:
                    time.Advance(TimeSpan.FromSeconds(a.Seconds));
                    model.Advance(TimeSpan.FromSeconds(a.Seconds));
                    break;
                case ModelOp.CheckException c:
                {
                    var status = registry.Rtas.CheckException(c.Mask, new byte[DrcRtas.EventLogSize], out var dequeued);
                    var (expectedStatus, expectedEvent) = model.CheckException(c.Mask);
                    Same("check-exception status", expectedStatus, (int)status);
                    Same("check-exception event", expectedEvent, dequeued is null ? null : ToModel(dequeued));
                    break;
                }

                default:
                    throw new InvalidOperationException($"unknown op {op}");
            }

            Compare();
        }

        private void GuestAdd(uint index)
        {
            Sense(9003, index);
            if (index >> 28 != 4)
            {
                SetIndicator(9003, index, 1);
            }

            SetIndicator(9001, index, 1);
            for (int i = 0; i < 10; i++)
            {
                if (Configure(index) is not (2 or 3 or 4))
                {
                    return;
                }
            }
        }

        private void SetIndicator(uint type, uint index, uint value)
        {
            var actual = registry.Rtas.SetIndicator(type, index, value);
            Same($"set-indicator {type} {ModelOp.Name(index)} {value} status", model.SetIndicator(type, index, value), (int)actual);
            Compare();
        }

        private void Sense(uint sensor, uint index)
        {
            var actual = registry.Rtas.GetSensorState(sensor, index, out var value);
            Same($"get-sensor-state {sensor} {ModelOp.Name(index)}", model.GetSensorState(sensor, index), ((int)actual, value));
            Compare();
        }

        private int Configure(uint index)
        {
            var wa = new byte[DrcRtas.WorkAreaSize];
            BinaryPrimitives.WriteUInt32BigEndian(wa, index);
            int actual = (int)registry.Rtas.ConfigureConnector(wa);
            Same($"configure-connector {ModelOp.Name(index)} status", model.ConfigureConnector(index), actual);
            Compare();
            return actual;
        }

        private void Compare()
        {
            registry.AssertInvariants();
            foreach (var c in model.Connectors.Values)
            {
                var name = ModelOp.Name(c.Index);
                bool exists = registry.TryGet(new DrcIndex(c.Index), out var drc);
                Same($"{name} exists", c.Exists, exists);
                if (drc is null)
                {
                    continue;
                }

                Same($"{name} state", c.State, drc.State);
                Same($"{name} device", c.Device, drc.Device, reference: true);
                Same($"{name} unplug pending", c.Request is not null, drc.IsUnplugPending);
                Same($"{name} unplug deadline", c.Request?.Deadline, drc.UnplugDeadline);
                Same($"{name} DR indicator", c.DrIndicator, drc.DrIndicator);
                Same($"{name} configure-connector cursor", c.Cursor, drc.Cursor);
                Same($"{name} entity sense", ReferenceModel.Sense(c), (uint)drc.EntitySense);
            }

            var pending = registry.GetPendingUnplugs();
            var expectedPending = model.Existing.Select(c => c.Request).OfType<ReferenceModel.Request>().Distinct().ToList();
            Same("pending unplug count", expectedPending.Count, pending.Count);
            Same("pending timed-out count", expectedPending.Count(r => r.TimedOut), pending.Count(p => p.TimedOut));

            var queued = registry.GetQueuedEvents().Select(ToModel).ToList();
            if (!queued.SequenceEqual(model.Events))
            {
                throw new InvalidOperationException($"event queue: expected [{string.Join(", ", model.Events)}] but was [{string.Join(", ", queued)}]");
            }

            var unplug = recorder.Unplug;
            Same("Completed notifications", model.Counts.GetValueOrDefault("Completed"), unplug.Count(n => n.Outcome == UnplugOutcome.Completed));
            Same("CompletedByReset notifications", model.Counts.GetValueOrDefault("CompletedByReset"), unplug.Count(n => n.Outcome == UnplugOutcome.CompletedByReset));
            Same("RejectedByGuest notifications", model.Counts.GetValueOrDefault("RejectedByGuest"), unplug.Count(n => n.Outcome == UnplugOutcome.RejectedByGuest));
            Same("Cancelled notifications", model.Counts.GetValueOrDefault("Cancelled"), unplug.Count(n => n.Outcome == UnplugOutcome.Cancelled));
            Same("TimedOut notifications", model.Counts.GetValueOrDefault("UnplugTimedOut"), unplug.Count(n => n.Outcome == UnplugOutcome.TimedOut));
            Same("terminal notifications", model.Counts.GetValueOrDefault("Terminal"), unplug.Count(n => n.IsTerminal));
            Same("RemovedWithOwner notifications", model.Counts.GetValueOrDefault("RemovedWithOwner"), unplug.Count(n => n.Outcome == UnplugOutcome.RemovedWithOwner));

            // Request id 0 is a device removed with its owner while nothing was pending: no request to end twice.
            var endedTwice = unplug.Where(n => n.IsTerminal && n.RequestId != 0).GroupBy(n => n.RequestId).FirstOrDefault(g => g.Count() > 1);
            Same("request with two terminal outcomes", null, endedTwice?.Key);
            Same("HotplugEventQueued notifications", model.Counts.GetValueOrDefault("HotplugEventQueued"), recorder.Hotplug.Count);
        }

        private static ReferenceModel.Event ToModel(HotplugEvent e) => new(e.Type, e.Action, e.Identifier, e.Index?.Value ?? 0, e.Count, e.EventClass);

        private static void Same<T>(string what, T expected, T actual, bool reference = false)
        {
            bool equal = reference ? ReferenceEquals(expected, actual) : EqualityComparer<T>.Default.Equals(expected, actual);
            if (!equal)
            {
                throw new InvalidOperationException($"{what}: model says {expected?.ToString() ?? "null"}, library says {actual?.ToString() ?? "null"}");
            }
        }
    }
}
