using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Stress.Concurrency;

/// <summary>The emulator's monitor thread: plug hot and cold, unplug, cancel, reset, negotiate. Counts accepted requests per status.</summary>
internal sealed class HostOperator(DrcRegistry registry, Random random, IReadOnlyList<DrcIndex> indexes, bool recreatesPciSlots)
{
    public long Operations { get; private set; }

    public Dictionary<UnplugRequestStatus, long> Results { get; } = [];

    public List<string> SnapshotMismatches { get; } = [];

    public void Step()
    {
        Operations++;
        int choice = random.Next(200);
        if (random.Next(20) == 0)
        {
            // A monitor thread is far slower than vCPUs: pause so that guests and timers get to act on requests.
            Thread.Sleep(1);
        }

        var index = indexes[random.Next(indexes.Count)];
        var mode = random.Next(4) == 0 ? PlugMode.Cold : PlugMode.Hot;
        switch (choice)
        {
            case < 50:
                if (index.Type == DrcType.Lmb)
                {
                    TestMachine.AttachMemory(registry, index.Id, random.Next(1, 5), mode);
                }
                else
                {
                    TestMachine.Attach(registry, index, mode);
                }

                break;
            case < 120:
                TimeSpan? timeout = random.Next(3) == 0 ? null : TimeSpan.FromMilliseconds(random.Next(1, 21));
                var result = registry.RequestUnplug(index, timeout);
                Results[result.Status] = Results.GetValueOrDefault(result.Status) + 1;
                break;
            case < 150:
                registry.CancelUnplug(index);
                break;
            case < 185:
                _ = registry.GetPendingUnplugs();
                _ = registry.GetQueuedEvents();
                break;
            case < 190:
                // Migration: save under live traffic, load into a second registry built like the source.
                if (SnapshotCheck.SaveAndLoad(registry) is { } mismatch)
                {
                    SnapshotMismatches.Add(mismatch);
                }

                break;
            case < 195:
                if (recreatesPciSlots)
                {
                    for (uint phb = 0; phb < TestMachine.Phbs; phb++)
                    {
                        if (!registry.TryGet(DrcType.Pci, TestMachine.PciId(phb, TestMachine.DevFns[0]), out _))
                        {
                            TestMachine.CreatePciSlots(registry, phb);
                        }
                    }
                }

                break;
            case < 198:
                // Resets complete every pending unplug: keep them rare so timeouts get their chance.
                if (random.Next(20) == 0)
                {
                    registry.NegotiateClientArchitecture(random.Next(2) == 0);
                }

                break;
            default:
                if (random.Next(20) == 0)
                {
                    registry.Reset();
                }

                break;
        }
    }
}
