namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// The RTAS call sequences a Linux guest runs on one connector (SPEC sections 3 and 4; Linux 6.1's dlpar acquire,
/// release and refusal), call for call as the real guest's recordings show them (tests/Spapr.Drc.RealGuest/Traces):
/// every sequence starts with an entity-sense read, and the guest gives up when the connector does not read as it
/// expects. Only this class decides the sequence; the calls themselves go through <see cref="GuestCallRecorder"/>.
/// Each method returns <see langword="null"/> when the guest finished, else why it stopped.
/// </summary>
internal sealed class LinuxGuest(GuestCallRecorder rtas)
{
    /// <summary>Acquire: entity sense, allocation usable (logical), unisolate, configure-connector until done.</summary>
    public string? Acquire(SpaprDrc drc)
    {
        var rules = DrcKind.Of(drc.Type).Rules;

        // The guest only takes a connector that reads as an empty connector with a device behind it.
        if (ReadSense(drc, rules.SenseOf(rules.EmptyState, hasDevice: true)) is { } gaveUp)
        {
            return gaveUp;
        }

        if (rules.AcceptsAllocation && SetIndicator(drc, RtasIndicator.Allocation, 1) is { } notUsable)
        {
            return notUsable;
        }

        if (SetIndicator(drc, RtasIndicator.Isolation, 1) is { } notUnisolated)
        {
            if (rules.AcceptsAllocation)
            {
                // Linux hands the connector back when it cannot unisolate it.
                _ = SetIndicator(drc, RtasIndicator.Allocation, 0);
            }

            return notUnisolated;
        }

        return Configure(drc);
    }

    /// <summary>Release: entity sense (Present), isolate, then allocation unusable (logical); no allocation call for physical.</summary>
    public string? Release(SpaprDrc drc)
    {
        if (ReadSenseOfOwnedDevice(drc) is { } gaveUp)
        {
            return gaveUp;
        }

        if (SetIndicator(drc, RtasIndicator.Isolation, 0) is { } notIsolated)
        {
            return notIsolated;
        }

        return DrcKind.Of(drc.Type).Rules.AcceptsAllocation ? SetIndicator(drc, RtasIndicator.Allocation, 0) : null;
    }

    /// <summary>
    /// Refusal: entity sense (Present), then unisolate of the connector it still holds. That unisolate is how a guest
    /// that could not offline the device tells the platform the removal failed (a refused CPU unplug is exactly this).
    /// </summary>
    public string? Refuse(SpaprDrc drc) => ReadSenseOfOwnedDevice(drc) ?? SetIndicator(drc, RtasIndicator.Isolation, 1);

    /// <summary>
    /// Roll-back of one LMB a refused memory removal had already taken down (offlined, not released): the refusal,
    /// then a new configure-connector walk without acquiring the connector again (Linux re-reads the LMB's node).
    /// </summary>
    public string? RollBack(SpaprDrc drc) => Refuse(drc) ?? Configure(drc);

    /// <summary>What release and refusal expect: a connector whose device the guest holds reads Present.</summary>
    private string? ReadSenseOfOwnedDevice(SpaprDrc drc)
    {
        var rules = DrcKind.Of(drc.Type).Rules;
        return ReadSense(drc, rules.SenseOf(rules.ReadyState, hasDevice: true));
    }

    private string? ReadSense(SpaprDrc drc, EntitySense wanted)
    {
        var (status, value) = rtas.GetEntitySense(drc);
        return status == RtasStatus.Success && value == (uint)wanted
            ? null
            : $"guest gave up: {Format.Connector(drc)} entity sense is not {wanted}";
    }

    private string? Configure(SpaprDrc drc)
    {
        var configured = rtas.ConfigureUntilDone(drc);
        return configured == ConfigureConnectorStatus.Success ? null : $"guest gave up: configure-connector returned {Format.Status(configured)}";
    }

    private string? SetIndicator(SpaprDrc drc, RtasIndicator indicator, uint value)
    {
        var status = rtas.SetIndicator(drc, indicator, value);
        return status == RtasStatus.Success
            ? null
            : $"guest stopped: {Format.SetIndicatorCall(indicator, value)} {Format.Connector(drc)} returned {Format.Status(status)}";
    }
}
