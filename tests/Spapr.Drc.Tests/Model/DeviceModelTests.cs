using System.Text;
using CsCheck;
using Spapr.Drc.Tests.Snapshot;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Model;

/// <summary>
/// Random sequences over devices against <see cref="DeviceModel"/>: DIMMs of 1-4 LMBs at random places over 12 LMBs,
/// two PHBs each owning three PCI slot connectors with cards in them, two CPUs (CPU 0 boots); attaches (hot and cold,
/// onto owned, released and removed connectors too), unplug requests with and without a timeout override, cancels,
/// per-LMB and whole-device guest releases, rejections and acquires, check-exception, clock advances, resets, and
/// snapshot loads that continue the run on a destination built the way an emulator builds one. After every step: every
/// connector's state, device, owner, pending flag, DR indicator and deadline, every device's connectors, the event
/// queue and the notifications agree with the model; no connector belongs to two devices; every queued event names
/// live connectors; the invariants hold; no request ends twice, and at the end (after a final reset) every accepted
/// request has ended exactly once. A failure prints the shrunk sequence, one step per line.
/// </summary>
public sealed class DeviceModelTests
{
    private static readonly uint[] Cpus = [.. DeviceModel.CpuIds.Select(id => DeviceModel.Index(DrcType.Cpu, id))];
    private static readonly uint[] Phbs = [.. DeviceModel.PhbIds.Select(id => DeviceModel.Index(DrcType.Phb, id))];
    private static readonly uint[] Slots = [.. DeviceModel.Layout().Select(l => l.Index).Where(i => i >> 28 == (uint)DrcType.Pci)];

    private static readonly Gen<DeviceOp.Target> Target = Gen.Frequency(
        (2, Gen.OneOfConst(DeviceModel.Anywhere).Select(i => new DeviceOp.Target(DeviceOp.TargetKind.Fixed, i))),
        (3, Gen.UInt[0, 63].Select(n => new DeviceOp.Target(DeviceOp.TargetKind.Owned, n))),
        (3, Gen.UInt[0, 63].Select(n => new DeviceOp.Target(DeviceOp.TargetKind.Pending, n))));

    private static readonly Gen<DeviceOp.Target> Pluggable = Gen.Frequency(
        (4, Gen.OneOfConst([.. Cpus, .. Phbs, .. Slots, .. Slots]).Select(i => new DeviceOp.Target(DeviceOp.TargetKind.Fixed, i))),
        (1, Gen.UInt[0, 63].Select(n => new DeviceOp.Target(DeviceOp.TargetKind.Owned, n))));

    private static readonly Gen<DeviceOp> Op = Gen.Frequency(
        (4, Gen.Select(Gen.UInt[0, DeviceModel.Lmbs - 1], Gen.Int[1, 4], Gen.Bool, (first, count, hot) => (DeviceOp)new DeviceOp.AttachDimm(first, count, hot))),
        (4, Gen.Select(Pluggable, Gen.Bool, (at, hot) => (DeviceOp)new DeviceOp.Attach(at, hot))),
        (10, Gen.Select(Target, Gen.OneOfConst<int?>(null, null, null, 5, 20, 0), (at, t) => (DeviceOp)new DeviceOp.Unplug(at, t))),
        (3, Target.Select(at => (DeviceOp)new DeviceOp.Cancel(at))),
        (10, Gen.Select(Target, Gen.Bool, (at, whole) => (DeviceOp)new DeviceOp.GuestRelease(at, whole))),
        (3, Target.Select(at => (DeviceOp)new DeviceOp.GuestReject(at))),
        (7, Gen.Select(Target, Gen.Bool, (at, whole) => (DeviceOp)new DeviceOp.GuestAcquire(at, whole))),
        (3, Gen.Const((DeviceOp)new DeviceOp.CheckException())),
        (4, Gen.Int[1, 20].Select(s => (DeviceOp)new DeviceOp.Advance(s))),
        (1, Gen.Const((DeviceOp)new DeviceOp.Reset())),
        (2, Gen.Const((DeviceOp)new DeviceOp.SnapshotLoad())));

    // A machine that starts populated: each PHB, CPU and slot cold-plugged, hot-plugged or empty, and three DIMM attempts.
    private static readonly Gen<DeviceOp[]> Prelude = Gen.Select(
        Gen.Int[0, 2].Array[Cpus.Length + Phbs.Length + Slots.Length],
        Gen.Select(Gen.UInt[0, DeviceModel.Lmbs - 1], Gen.Int[1, 4], Gen.Bool, (first, count, hot) => (DeviceOp)new DeviceOp.AttachDimm(first, count, hot)).Array[3],
        (choices, dimms) => (DeviceOp[])
        [
            .. Cpus.Concat(Phbs).Concat(Slots).Zip(choices).Where(p => p.Second != 0).Select(p => (DeviceOp)new DeviceOp.Attach(At(p.First), Hot: p.Second == 2)),
            .. dimms,
        ]);

    private static readonly Gen<DeviceScenario> Scenarios = Gen.Select(
        Gen.OneOfConst(UnplugTimeoutPolicy.KeepPending, UnplugTimeoutPolicy.ClearRequest),
        Gen.OneOfConst<int?>(null, 30),
        Gen.OneOfConst<int?>(null, 10),
        Gen.Select(Prelude, Op.Array[1, 60], (prelude, ops) => (DeviceOp[])[.. prelude, .. ops]),
        (policy, lmb, pci, ops) => new DeviceScenario(policy, lmb, pci, ops));

    [Fact]
    public void RandomDeviceSequences_AgainstDeviceModel_AgreeAfterEveryStep()
    {
        Scenarios.Sample(Run, iter: 600, print: s => s.ToString());
    }

    [Fact]
    public void Run_HandWrittenScenarioOverEveryDeviceRule_Agrees()
    {
        // A fixed walk through the device rules, so each is exercised whatever the seed: a DIMM with a hole that a
        // repeat asks for run by run, an attach onto a released LMB, a snapshot of the hole, a PHB released with a
        // pending and an idle card, slots made again, and a reset that completes a DIMM and a card.
        uint Lmb(uint id) => DeviceModel.Index(DrcType.Lmb, id);
        var phb1 = Phbs[0];
        var slot0 = DeviceModel.Index(DrcType.Pci, DeviceModel.PciId(1, 0x08));
        var slot2 = DeviceModel.Index(DrcType.Pci, DeviceModel.PciId(1, 0x10));
        Run(new DeviceScenario(UnplugTimeoutPolicy.KeepPending, LmbTimeoutSeconds: 30, PciTimeoutSeconds: null,
        [
            new DeviceOp.AttachDimm(2, 4, Hot: false),
            new DeviceOp.Unplug(At(Lmb(2)), 0),
            new DeviceOp.GuestRelease(At(Lmb(3)), WholeDevice: false),
            new DeviceOp.AttachDimm(3, 1, Hot: true),
            new DeviceOp.Cancel(At(Lmb(4))),
            new DeviceOp.SnapshotLoad(),
            new DeviceOp.Unplug(At(Lmb(5)), null),
            new DeviceOp.CheckException(),
            new DeviceOp.CheckException(),
            new DeviceOp.GuestRelease(At(Lmb(2)), WholeDevice: true),
            new DeviceOp.Advance(30),
            new DeviceOp.Unplug(At(Lmb(2)), 5),
            new DeviceOp.Attach(At(phb1), Hot: false),
            new DeviceOp.Attach(At(slot0), Hot: true),
            new DeviceOp.Attach(At(slot2), Hot: false),
            new DeviceOp.Unplug(At(slot2), null),
            new DeviceOp.Unplug(At(phb1), null),
            new DeviceOp.GuestRelease(At(phb1), WholeDevice: false),
            new DeviceOp.Attach(At(slot0), Hot: true),
            new DeviceOp.Attach(At(phb1), Hot: true),
            new DeviceOp.Attach(At(slot2), Hot: false),
            new DeviceOp.Unplug(At(slot2), 0),
            new DeviceOp.SnapshotLoad(),
            new DeviceOp.Reset(),
        ]));
    }

    private static DeviceOp.Target At(uint index) => new(DeviceOp.TargetKind.Fixed, index);

    private static void Run(DeviceScenario scenario)
    {
        using var driver = new DeviceDriver(scenario);
        for (int step = 0; step < scenario.Ops.Length; step++)
        {
            try
            {
                driver.Apply(scenario.Ops[step]);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Step {step + 1} ({driver.Trace[^1]}): {ex.Message}{Environment.NewLine}Steps as run:{Environment.NewLine}{string.Join(Environment.NewLine, driver.Trace)}", ex);
            }
        }

        try
        {
            driver.Finish();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"After the last step and a reset: {ex.Message}{Environment.NewLine}Steps as run:{Environment.NewLine}{string.Join(Environment.NewLine, driver.Trace)}", ex);
        }
    }

    internal sealed record DeviceScenario(UnplugTimeoutPolicy Policy, int? LmbTimeoutSeconds, int? PciTimeoutSeconds, DeviceOp[] Ops)
    {
        public DrcOptions Options()
        {
            // "none" is no timeout, as drcsim's machine line reads it (memory's default would be 2 minutes).
            var options = new DrcOptions { TimeoutPolicy = Policy };
            options.SetUnplugTimeout(DrcType.Lmb, LmbTimeoutSeconds is { } lmb ? TimeSpan.FromSeconds(lmb) : Timeout.InfiniteTimeSpan);
            if (PciTimeoutSeconds is { } pci)
            {
                options.SetUnplugTimeout(DrcType.Pci, TimeSpan.FromSeconds(pci));
            }

            return options;
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append("machine timeout-action=").Append(Policy)
                .Append(" lmb-timeout=").Append(LmbTimeoutSeconds is { } l ? $"{l}s" : "none")
                .Append(" pci-timeout=").Append(PciTimeoutSeconds is { } p ? $"{p}s" : "none").AppendLine();
            for (int i = 0; i < Ops.Length; i++)
            {
                text.Append(i + 1).Append(". ").Append(Ops[i]).AppendLine();
            }

            return text.ToString();
        }
    }
}
