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
        using var h = new UnplugHarness(new DrcOptions { TimeoutPolicy = policy });
        var devices = new[] { h.HotPlug(DrcType.Cpu, 1), h.HotPlug(DrcType.Cpu, 2), h.HotPlugMemory(16, 2) };
        var created = new HashSet<long>();
        int checkedNotifications = 0;

        for (int step = 0; step < 80; step++)
        {
            var device = devices[random.Next(devices.Length)];
            var before = h.Registry.GetPendingUnplugs().ToDictionary(p => p.RequestId);
            switch (random.Next(7))
            {
                case 0:
                case 1:
                    var result = h.Registry.RequestUnplug(device, random.Next(3) == 0 ? TimeSpan.FromSeconds(random.Next(1, 30)) : null);
                    if (result.Status is UnplugRequestStatus.Requested or UnplugRequestStatus.CompletedImmediately)
                    {
                        created.Add(LastRequestId(h, device, created));
                    }

                    break;
                case 2:
                    h.Clock.Advance(TimeSpan.FromSeconds(random.Next(0, 20)) + TimeSpan.FromMilliseconds(random.Next(1000)));
                    break;
                case 3:
                    h.Registry.CancelUnplug(device);
                    break;
                case 4:
                    foreach (var lmb in ConnectorsOf(h, device))
                    {
                        h.Registry.Rtas.SetIndicator(UnplugHarness.Isolation, lmb.Value, 0);
                        h.Registry.Rtas.SetIndicator(UnplugHarness.Allocation, lmb.Value, 0);
                    }

                    break;
                case 5:
                    h.Unisolate(ConnectorsOf(h, device).Last());
                    break;
                default:
                    if (random.Next(4) == 0)
                    {
                        h.Registry.Reset();
                    }
                    else
                    {
                        Replug(h, device);
                    }

                    break;
            }

            h.Registry.AssertInvariants();
            var now = h.Clock.GetUtcNow();
            foreach (var (_, args) in h.Notifications.Skip(checkedNotifications))
            {
                if (args.Outcome == UnplugOutcome.TimedOut)
                {
                    // A timeout fires only for a request whose running deadline has passed.
                    before.Should().ContainKey(args.RequestId);
                    before[args.RequestId].Deadline.Should().NotBeNull().And.BeOnOrBefore(now);
                    args.IsTerminal.Should().Be(policy == UnplugTimeoutPolicy.ClearRequest);
                }
            }

            checkedNotifications = h.Notifications.Count;
            foreach (var pending in h.Registry.GetPendingUnplugs())
            {
                if (pending.Deadline is { } deadline)
                {
                    deadline.Should().BeAfter(now, "a passed deadline has fired");
                }
            }
        }

        h.Registry.Reset();
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        created.Should().HaveCountGreaterThan(2, "the walk must exercise several requests");
        var terminal = h.Notifications.Where(n => n.Args.IsTerminal).Select(n => n.Args.RequestId).ToList();
        terminal.Should().OnlyHaveUniqueItems("a request ends once");
        terminal.Should().BeEquivalentTo(created, "every request ends");
        h.Notifications.Select(n => n.Args.RequestId).Should().OnlyContain(id => created.Contains(id));
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    private static IReadOnlyList<DrcIndex> ConnectorsOf(UnplugHarness h, DrcIndex device) =>
        device.Type == DrcType.Lmb ? [device, new DrcIndex(device.Value + 1)] : [device];

    private static long LastRequestId(UnplugHarness h, DrcIndex device, HashSet<long> known)
    {
        // The new id is either still pending, or (released at once) in the completion just raised.
        var pending = h.Registry.GetPendingUnplugs().Where(p => ConnectorsOf(h, device).Contains(p.Index) && !known.Contains(p.RequestId)).Select(p => p.RequestId);
        var ended = h.Notifications.Select(n => n.Args).Where(a => a.Index == device && !known.Contains(a.RequestId)).Select(a => a.RequestId);
        return pending.Concat(ended).Distinct().Should().ContainSingle().Subject;
    }

    private static void Replug(UnplugHarness h, DrcIndex device)
    {
        var connectors = ConnectorsOf(h, device);
        if (!connectors.All(c => h.Registry[c].Device is null && h.Registry[c].State == DrcState.LogicalUnusable))
        {
            return;
        }

        if (device.Type == DrcType.Lmb)
        {
            h.Registry.AttachMemoryDevice(device, connectors.Count, "DIMM again", i => UnplugHarness.Fragment("lmb@" + i.Id), PlugMode.Hot);
        }
        else
        {
            h.Registry.Attach(device, "core again", UnplugHarness.Fragment("cpu@" + device.Id), PlugMode.Hot);
        }

        foreach (var c in connectors)
        {
            h.Acquire(c);
        }
    }
}
