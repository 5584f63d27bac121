using System.Collections.Immutable;

namespace Spapr.Drc;

/// <summary>
/// The guest-side transition rules of SPEC section 3 as data: one table per connector class. The connectors
/// execute exactly these rows, so a picture drawn from them cannot drift from the behaviour.
/// </summary>
internal static class DrcTransitionTable
{
    private const uint Isolate = 0;
    private const uint Unisolate = 1;
    private const uint Unusable = 0;
    private const uint Usable = 1;

    /// <summary>The rules of logical connectors (CPU, PHB, LMB, PMEM), in evaluation order.</summary>
    public static ImmutableArray<DrcTransitionRule> Logical { get; } = BuildLogical();

    /// <summary>The rules of physical connectors (PCI), in evaluation order.</summary>
    public static ImmutableArray<DrcTransitionRule> Physical { get; } = BuildPhysical();

    // Indexed by the class's value (Logical 0, Physical 1).
    private static readonly ImmutableArray<DrcTransitionRule>[] ByClass = [Logical, Physical];

    // [class][indicator slot][value][state] -> rows to try in order; an empty slot means -3 (ParameterError).
    private static readonly DrcTransitionRule[][][][][] Lookup = BuildLookup();

    /// <summary>The rules of a class, in evaluation order.</summary>
    /// <param name="drcClass">The connector class.</param>
    /// <returns>The table.</returns>
    public static ImmutableArray<DrcTransitionRule> For(DrcClass drcClass) => ByClass[(int)drcClass];

    /// <summary>Finds the row that applies; <see langword="false"/> when no row exists (the call is a -3).</summary>
    internal static bool TryFind(DrcClass drcClass, RtasIndicator indicator, uint value, DrcState from, bool hasDevice, bool unplugPending, bool isolateNeedsRequest, out DrcTransitionRule rule)
    {
        int slot = indicator == RtasIndicator.Isolation ? 0 : indicator == RtasIndicator.Allocation ? 1 : -1;
        if (slot < 0 || value > 1 || (byte)from > 8)
        {
            rule = default;
            return false;
        }

        foreach (var candidate in Lookup[(int)drcClass][slot][value][(byte)from])
        {
            bool applies = candidate.Condition switch
            {
                DrcTransitionCondition.NoDevice => !hasDevice,
                DrcTransitionCondition.UnplugPending => unplugPending,
                DrcTransitionCondition.UnplugPendingWithDevice => unplugPending && hasDevice,
                DrcTransitionCondition.IsolateWithoutRequest => isolateNeedsRequest && !unplugPending,
                _ => true,
            };
            if (applies)
            {
                rule = candidate;
                return true;
            }
        }

        rule = default;
        return false;
    }

    private static ImmutableArray<DrcTransitionRule> BuildLogical()
    {
        const DrcClass c = DrcClass.Logical;
        var unusable = DrcState.LogicalUnusable;
        var available = DrcState.LogicalAvailable;
        var unisolate = DrcState.LogicalUnisolate;
        var configured = DrcState.LogicalConfigured;
        return
        [
            // Isolate
            NoOp(c, RtasIndicator.Isolation, Isolate, available),
            NoOp(c, RtasIndicator.Isolation, Isolate, unusable),
            Refuse(c, RtasIndicator.Isolation, Isolate, unisolate, DrcTransitionCondition.Otherwise, RtasStatus.ParameterError),
            Refuse(c, RtasIndicator.Isolation, Isolate, configured, DrcTransitionCondition.IsolateWithoutRequest, RtasStatus.HardwareError),
            new(c, RtasIndicator.Isolation, Isolate, configured, DrcTransitionCondition.Otherwise, RtasStatus.Success, available, DrcTransitionEffects.None),

            // Unisolate
            Refuse(c, RtasIndicator.Isolation, Unisolate, unusable, DrcTransitionCondition.Otherwise, RtasStatus.ParameterError),
            new(c, RtasIndicator.Isolation, Unisolate, available, DrcTransitionCondition.Otherwise, RtasStatus.Success, unisolate, DrcTransitionEffects.RewindCursor),
            new(c, RtasIndicator.Isolation, Unisolate, unisolate, DrcTransitionCondition.UnplugPendingWithDevice, RtasStatus.Success, unisolate, DrcTransitionEffects.RejectUnplug),
            NoOp(c, RtasIndicator.Isolation, Unisolate, unisolate),
            new(c, RtasIndicator.Isolation, Unisolate, configured, DrcTransitionCondition.UnplugPendingWithDevice, RtasStatus.Success, configured, DrcTransitionEffects.RejectUnplug),
            NoOp(c, RtasIndicator.Isolation, Unisolate, configured),

            // Allocation usable
            NoOp(c, RtasIndicator.Allocation, Usable, available),
            NoOp(c, RtasIndicator.Allocation, Usable, unisolate),
            NoOp(c, RtasIndicator.Allocation, Usable, configured),
            Refuse(c, RtasIndicator.Allocation, Usable, unusable, DrcTransitionCondition.NoDevice, RtasStatus.ParameterError),
            Refuse(c, RtasIndicator.Allocation, Usable, unusable, DrcTransitionCondition.UnplugPending, RtasStatus.ParameterError),
            new(c, RtasIndicator.Allocation, Usable, unusable, DrcTransitionCondition.Otherwise, RtasStatus.Success, available, DrcTransitionEffects.None),

            // Allocation unusable
            NoOp(c, RtasIndicator.Allocation, Unusable, unusable),
            new(c, RtasIndicator.Allocation, Unusable, available, DrcTransitionCondition.Otherwise, RtasStatus.Success, unusable, DrcTransitionEffects.ReleaseIfPending),
            Refuse(c, RtasIndicator.Allocation, Unusable, unisolate, DrcTransitionCondition.Otherwise, RtasStatus.ParameterError),
            Refuse(c, RtasIndicator.Allocation, Unusable, configured, DrcTransitionCondition.Otherwise, RtasStatus.ParameterError),
        ];
    }

    private static ImmutableArray<DrcTransitionRule> BuildPhysical()
    {
        const DrcClass c = DrcClass.Physical;
        var powerOn = DrcState.PhysicalPowerOn;
        var unisolate = DrcState.PhysicalUnisolate;
        var configured = DrcState.PhysicalConfigured;
        return
        [
            // Isolate
            NoOp(c, RtasIndicator.Isolation, Isolate, powerOn),
            Refuse(c, RtasIndicator.Isolation, Isolate, unisolate, DrcTransitionCondition.Otherwise, RtasStatus.ParameterError),
            new(c, RtasIndicator.Isolation, Isolate, configured, DrcTransitionCondition.Otherwise, RtasStatus.Success, powerOn, DrcTransitionEffects.ReleaseIfPending),

            // Unisolate
            NoOp(c, RtasIndicator.Isolation, Unisolate, unisolate),
            NoOp(c, RtasIndicator.Isolation, Unisolate, configured),
            Refuse(c, RtasIndicator.Isolation, Unisolate, powerOn, DrcTransitionCondition.NoDevice, RtasStatus.ParameterError),
            new(c, RtasIndicator.Isolation, Unisolate, powerOn, DrcTransitionCondition.Otherwise, RtasStatus.Success, unisolate, DrcTransitionEffects.RewindCursor),
        ];
    }

    private static DrcTransitionRule NoOp(DrcClass c, RtasIndicator indicator, uint value, DrcState state) =>
        new(c, indicator, value, state, DrcTransitionCondition.Otherwise, RtasStatus.Success, state, DrcTransitionEffects.None);

    private static DrcTransitionRule Refuse(DrcClass c, RtasIndicator indicator, uint value, DrcState state, DrcTransitionCondition condition, RtasStatus status) =>
        new(c, indicator, value, state, condition, status, state, DrcTransitionEffects.None);

    private static DrcTransitionRule[][][][][] BuildLookup()
    {
        var lookup = new DrcTransitionRule[2][][][][];
        foreach (var drcClass in Enum.GetValues<DrcClass>())
        {
            var perSlot = new DrcTransitionRule[2][][][];
            for (int slot = 0; slot < 2; slot++)
            {
                var indicator = slot == 0 ? RtasIndicator.Isolation : RtasIndicator.Allocation;
                perSlot[slot] = new DrcTransitionRule[2][][];
                for (uint value = 0; value < 2; value++)
                {
                    var perState = new DrcTransitionRule[9][];
                    for (int state = 0; state < 9; state++)
                    {
                        var rows = new List<DrcTransitionRule>();
                        foreach (var row in For(drcClass))
                        {
                            if (row.Indicator == indicator && row.Value == value && (int)row.From == state)
                            {
                                rows.Add(row);
                            }
                        }

                        perState[state] = [.. rows];
                    }

                    perSlot[slot][value] = perState;
                }
            }

            lookup[(int)drcClass] = perSlot;
        }

        return lookup;
    }
}
