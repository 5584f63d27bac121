namespace Spapr.Drc;

/// <summary>
/// One row of a connector class's transition table (SPEC section 3): a guest set-indicator call in a
/// given state, the condition under which this row applies, the status returned and the new state.
/// The connectors run these rows; <c>drcsim diagram</c> draws them.
/// </summary>
/// <param name="Class">The connector class.</param>
/// <param name="Indicator">The set-indicator type (isolation or allocation).</param>
/// <param name="Value">The indicator value the guest sets.</param>
/// <param name="From">The state before the call.</param>
/// <param name="Condition">When this row applies; rows are tried in table order.</param>
/// <param name="Status">The status returned to the guest.</param>
/// <param name="To">The state after the call (equal to <paramref name="From"/> for no-ops and refusals).</param>
/// <param name="Effects">What else happens.</param>
internal readonly record struct DrcTransitionRule(
    DrcClass Class,
    RtasIndicator Indicator,
    uint Value,
    DrcState From,
    DrcTransitionCondition Condition,
    RtasStatus Status,
    DrcState To,
    DrcTransitionEffects Effects)
{
    /// <summary>Whether the call leaves the state and everything else as it was with status 0.</summary>
    public bool IsNoOp => Status == RtasStatus.Success && From == To && Effects == DrcTransitionEffects.None;

    /// <summary>Whether the call is refused (a negative status).</summary>
    public bool IsRefusal => Status != RtasStatus.Success;
}
