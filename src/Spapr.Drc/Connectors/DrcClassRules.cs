using System.Collections.Immutable;

namespace Spapr.Drc;

/// <summary>
/// What differs between the two connector classes (SPEC sections 2-3), as data: the empty and ready states, the
/// indicator a reset leaves, which set-indicator calls exist, how entity sense is read, and the guest-side
/// transition rows. Read through <see cref="DrcKind.Rules"/>; nothing else tests a class.
/// </summary>
internal sealed class DrcClassRules
{
    private DrcClassRules(DrcClass drcClass, DrcState empty, DrcState unisolate, DrcState ready, bool physical)
    {
        Class = drcClass;
        EmptyState = empty;
        UnisolateState = unisolate;
        ReadyState = ready;
        HasDrIndicator = physical;
        AcceptsAllocation = !physical;
        SenseFollowsDevice = physical;
    }

    /// <summary>Logical connectors: CPU, PHB, LMB, PMEM.</summary>
    public static DrcClassRules Logical { get; } = new(DrcClass.Logical, DrcState.LogicalUnusable, DrcState.LogicalUnisolate, DrcState.LogicalConfigured, physical: false);

    /// <summary>Physical connectors: PCI slots.</summary>
    public static DrcClassRules Physical { get; } = new(DrcClass.Physical, DrcState.PhysicalPowerOn, DrcState.PhysicalUnisolate, DrcState.PhysicalConfigured, physical: true);

    public DrcClass Class { get; }

    /// <summary>The rules of a class (the only place a <see cref="DrcClass"/> value is mapped to its rules).</summary>
    public static DrcClassRules Of(DrcClass drcClass) => drcClass == DrcClass.Physical ? Physical : Logical;

    /// <summary>The state of a connector whose device the guest does not own (LogicalUnusable 1, PhysicalPowerOn 6).</summary>
    public DrcState EmptyState { get; }

    /// <summary>The state between unisolate and a finished configure-connector walk.</summary>
    public DrcState UnisolateState { get; }

    /// <summary>The state of a connector whose device the guest configured (LogicalConfigured 4, PhysicalConfigured 8).</summary>
    public DrcState ReadyState { get; }

    /// <summary>Whether set-indicator 9002 (the DR indicator) exists for this class (physical only).</summary>
    public bool HasDrIndicator { get; }

    /// <summary>Whether set-indicator 9003 (allocation) exists for this class (logical only).</summary>
    public bool AcceptsAllocation { get; }

    /// <summary>Physical entity sense follows the device; logical entity sense follows the state.</summary>
    private bool SenseFollowsDevice { get; }

    /// <summary>The guest-side transition rows of this class, in evaluation order.</summary>
    public ImmutableArray<DrcTransitionRule> Transitions => DrcTransitionTable.For(Class);

    /// <summary>The state cold plug (attach, then reset) gives a connector.</summary>
    public DrcState ColdState(bool hasDevice) => hasDevice ? ReadyState : EmptyState;

    /// <summary>The DR indicator a reset leaves: Active with a device on a physical connector, Inactive otherwise.</summary>
    public DrIndicator ColdIndicator(bool hasDevice) => HasDrIndicator && hasDevice ? DrIndicator.Active : DrIndicator.Inactive;

    /// <summary>What get-sensor-state 9003 reads (SPEC section 3).</summary>
    public EntitySense SenseOf(DrcState state, bool hasDevice)
    {
        if (SenseFollowsDevice)
        {
            return hasDevice ? EntitySense.Present : EntitySense.Empty;
        }

        return state == EmptyState ? EntitySense.Unusable : EntitySense.Present;
    }

    /// <summary>Whether a connector of this class may be in <paramref name="state"/>.</summary>
    public bool IsValidState(DrcState state) =>
        state == EmptyState || state == UnisolateState || state == ReadyState || (AcceptsAllocation && state == DrcState.LogicalAvailable);

    /// <summary>Whether configure-connector may walk the fragment in <paramref name="state"/> (unisolated or configured).</summary>
    public bool IsConfigurable(DrcState state) => state == UnisolateState || state == ReadyState;
}
