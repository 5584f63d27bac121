namespace Spapr.Drc.Sim.Runner;

/// <summary>What a scenario run did, in virtual time: the input of the SVG timeline.</summary>
internal sealed class RunRecording
{
    public List<LaneRecord> Lanes { get; } = [];

    public List<NotificationRecord> Notifications { get; } = [];

    public List<TimeoutWindowRecord> Windows { get; } = [];

    /// <summary>The virtual time the run ended at (the longest machine).</summary>
    public long EndMs { get; set; }

    public LaneRecord Lane(int machine, DrcIndex index, string name, long createdMs, DrcState initial)
    {
        foreach (var lane in Lanes)
        {
            if (lane.Machine == machine && lane.Index == index)
            {
                return lane;
            }
        }

        var created = new LaneRecord(machine, index, name, createdMs, initial);
        Lanes.Add(created);
        return created;
    }
}

/// <summary>One connector's states over time.</summary>
internal sealed class LaneRecord(int machine, DrcIndex index, string name, long createdMs, DrcState initial)
{
    public int Machine { get; } = machine;

    public DrcIndex Index { get; } = index;

    public string Name { get; } = name;

    public long CreatedMs { get; } = createdMs;

    public DrcState Initial { get; } = initial;

    /// <summary>State changes in time order.</summary>
    public List<(long TimeMs, DrcState From, DrcState To)> Changes { get; } = [];

    /// <summary>When the connector left the machine (a PHB took it along), if it did.</summary>
    public long? RemovedMs { get; set; }
}

internal sealed record NotificationRecord(long TimeMs, int Machine, string Kind, DrcIndex Index, string Name);

/// <summary>The time an unplug timeout was running on a request's connectors.</summary>
internal sealed class TimeoutWindowRecord(int machine, long requestId, DrcIndex index, long startMs, long plannedEndMs)
{
    public int Machine { get; } = machine;

    public long RequestId { get; } = requestId;

    public DrcIndex Index { get; } = index;

    public long StartMs { get; } = startMs;

    /// <summary>When the timeout would fire if nothing stopped it.</summary>
    public long PlannedEndMs { get; } = plannedEndMs;

    /// <summary>When it stopped running (fired, or stopped by release, rejection, cancel or reset).</summary>
    public long? EndMs { get; set; }

    /// <summary>Whether it ran to the end (the timeout fired).</summary>
    public bool Expired { get; set; }
}
