using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// SPEC section 6, "every request ends in exactly one terminal outcome": random host, guest and clock steps on two
/// CPUs and a memory device, under both policies, checked against what the results and deadlines promise.
/// </summary>
public sealed class UnplugLifecycleRandomTests
{
    public static TheoryData<int, UnplugTimeoutPolicy> Seeds()
    {
        var data = new TheoryData<int, UnplugTimeoutPolicy>();
        for (int seed = 1; seed <= 40; seed++)
        {
            data.Add(seed, seed % 2 == 0 ? UnplugTimeoutPolicy.KeepPending : UnplugTimeoutPolicy.ClearRequest);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomSteps_AnyOrder_EveryRequestEndsExactlyOnceAndTimeoutsFireOnlyAtDeadlines(int seed, UnplugTimeoutPolicy policy)
    {
        var random = new Random(seed);
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = policy });
        var devices = new[] { machine.HotAdd(DrcType.Cpu, 1), machine.HotAdd(DrcType.Cpu, 2), machine.HotAddMemory(16, 2) };
        var created = new HashSet<long>();
        int checkedNotifications = 0;

        for (int step = 0; step < 80; step++)
        {
            var device = devices[random.Next(devices.Length)];
            var before = machine.Registry.GetPendingUnplugs().ToDictionary(p => p.RequestId);
            switch (random.Next(7))
            {
                case 0:
                case 1:
                    var result = machine.Registry.RequestUnplug(device, random.Next(3) == 0 ? TimeSpan.FromSeconds(random.Next(1, 30)) : null);
                    if (result.Status is UnplugRequestStatus.Requested or UnplugRequestStatus.CompletedImmediately)
                    {
                        created.Add(LastRequestId(machine, device, created));
                    }

                    break;
                case 2:
                    machine.Clock.Advance(TimeSpan.FromSeconds(random.Next(0, 20)) + TimeSpan.FromMilliseconds(random.Next(1000)));
                    break;
                case 3:
                    machine.Registry.CancelUnplug(device);
                    break;
                case 4:
                    foreach (var lmb in ConnectorsOf(machine, device))
                    {
                        machine.Registry.Rtas.SetIndicator(Machine.Isolation, lmb.Value, 0);
                        machine.Registry.Rtas.SetIndicator(Machine.Allocation, lmb.Value, 0);
                    }

                    break;
                case 5:
                    machine.Unisolate(ConnectorsOf(machine, device).Last());
                    break;
                default:
                    if (random.Next(4) == 0)
                    {
                        machine.Registry.Reset();
                    }
                    else
                    {
                        Replug(machine, device);
                    }

                    break;
            }

            machine.Registry.AssertInvariants();
            var now = machine.Clock.GetUtcNow();
            foreach (var args in machine.Notifications.Unplug.Skip(checkedNotifications))
            {
                if (args.Outcome == UnplugOutcome.TimedOut)
                {
                    // A timeout fires only for a request whose running deadline has passed.
                    before.Should().ContainKey(args.RequestId);
                    before[args.RequestId].Deadline.Should().NotBeNull().And.BeOnOrBefore(now);
                    args.IsTerminal.Should().Be(policy == UnplugTimeoutPolicy.ClearRequest);
                }
            }

            checkedNotifications = machine.Notifications.Unplug.Count;
            foreach (var pending in machine.Registry.GetPendingUnplugs())
            {
                if (pending.Deadline is { } deadline)
                {
                    deadline.Should().BeAfter(now, "a passed deadline has fired");
                }
            }
        }

        machine.Registry.Reset();
        machine.Clock.Advance(TimeSpan.FromMinutes(5));

        created.Should().HaveCountGreaterThan(2, "the walk must exercise several requests");
        var terminal = machine.Notifications.Unplug.Where(n => n.IsTerminal).Select(n => n.RequestId).ToList();
        terminal.Should().OnlyHaveUniqueItems("a request ends once");
        terminal.Should().BeEquivalentTo(created, "every request ends");
        machine.Notifications.Unplug.Select(n => n.RequestId).Should().OnlyContain(id => created.Contains(id));
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    private static IReadOnlyList<DrcIndex> ConnectorsOf(Machine machine, DrcIndex device) =>
        device.Type == DrcType.Lmb ? [device, new DrcIndex(device.Value + 1)] : [device];

    private static long LastRequestId(Machine machine, DrcIndex device, HashSet<long> known)
    {
        // The new id is either still pending, or (released at once) in the completion just raised.
        var pending = machine.Registry.GetPendingUnplugs().Where(p => ConnectorsOf(machine, device).Contains(p.Index) && !known.Contains(p.RequestId)).Select(p => p.RequestId);
        var ended = machine.Notifications.Unplug.Where(a => a.Index == device && !known.Contains(a.RequestId)).Select(a => a.RequestId);
        return pending.Concat(ended).Distinct().Should().ContainSingle().Subject;
    }

    private static void Replug(Machine machine, DrcIndex device)
    {
        var connectors = ConnectorsOf(machine, device);
        if (!connectors.All(c => machine.Registry[c].Device is null && machine.Registry[c].State == DrcState.LogicalUnusable))
        {
            return;
        }

        if (device.Type == DrcType.Lmb)
        {
            machine.Registry.AttachMemoryDevice(device, connectors.Count, "DIMM again", i => Fragments.Simple("lmb@" + i.Id), PlugMode.Hot);
        }
        else
        {
            machine.Registry.Attach(device, "core again", Fragments.Simple("cpu@" + device.Id), PlugMode.Hot);
        }

        foreach (var c in connectors)
        {
            machine.Acquire(c);
        }
    }
}
