using CsCheck;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Events;

/// <summary>The check-exception dequeue rule of SPEC section 4 against a three-line model.</summary>
public sealed class EventQueuePropertyTests
{
    private static readonly uint[] Masks = [0x4000_0000, 0x1000_0000, 0x5000_0000, 0x8000_0000, 0];

    [Fact]
    public void CheckException_RandomClassesAndMasks_TakesTheFirstQueuedEventOfAMaskedClass()
    {
        var gen = Gen.Select(Gen.Bool.Array[1, 24], Gen.Int[0, Masks.Length - 1].Array[1, 40]);
        gen.Sample((classes, maskPicks) =>
        {
            using var machine = new Machine();
            var registry = machine.Registry;
            registry.CreateConnectors(DrcType.Cpu, 1, classes.Length);
            for (int i = 0; i < classes.Length; i++)
            {
                registry.SetHotplugEventsNegotiatedWithoutReset(classes[i]);
                registry.Attach(DrcIndex.From(DrcType.Cpu, 1 + (uint)i), new object(), null, PlugMode.Hot);
            }

            var model = registry.GetQueuedEvents().ToList();
            var log = new byte[DrcRtas.EventLogSize];
            foreach (int pick in maskPicks)
            {
                uint mask = Masks[pick];
                var expected = model.FirstOrDefault(e => ((uint)e.EventClass & mask) != 0);
                var status = registry.Rtas.CheckException(mask, log, out var taken);
                if (expected is null)
                {
                    status.Should().Be(RtasStatus.NoErrorsFound);
                    continue;
                }

                status.Should().Be(RtasStatus.Success);
                taken.Should().Be(expected);
                model.Remove(expected);
                registry.PendingEventClasses.Should().Be(model.Aggregate(RtasEventClasses.None, (c, e) => c | e.EventClass));
            }

            registry.GetQueuedEvents().Should().Equal(model);
        }, iter: 300);
    }
}
