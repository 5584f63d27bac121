using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Connectors;

/// <summary>
/// Every row of SPEC section 3, one test case per row: the connector is put in the row's state (with or without a
/// device and a pending unplug), the guest sets the indicator, and the status, the new state, whether the device is
/// still attached and pending, and the notifications are pinned.
/// </summary>
public sealed class TransitionRowTests
{
    private const uint Isolate = 0;
    private const uint Unisolate = 1;
    private const uint Unusable = 0;
    private const uint Usable = 1;

    private static readonly TransitionRow[] Logical =
    [
        // Isolate, logical.
        Row("isolate Unusable without device: no-op", DrcType.Cpu, DrcState.LogicalUnusable, false, false, Machine.Isolation, Isolate, 0, DrcState.LogicalUnusable),
        Row("isolate Unusable with device: no-op", DrcType.Cpu, DrcState.LogicalUnusable, true, false, Machine.Isolation, Isolate, 0, DrcState.LogicalUnusable),
        Row("isolate Available: no-op", DrcType.Cpu, DrcState.LogicalAvailable, true, false, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),
        Row("isolate Available pending: no-op, no release", DrcType.Cpu, DrcState.LogicalAvailable, true, true, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),
        Row("isolate Unisolate: -3", DrcType.Cpu, DrcState.LogicalUnisolate, true, false, Machine.Isolation, Isolate, -3, DrcState.LogicalUnisolate),
        Row("isolate Unisolate pending: -3", DrcType.Cpu, DrcState.LogicalUnisolate, true, true, Machine.Isolation, Isolate, -3, DrcState.LogicalUnisolate),
        Row("isolate Configured CPU: Available", DrcType.Cpu, DrcState.LogicalConfigured, true, false, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),
        Row("isolate Configured CPU pending: Available, no release", DrcType.Cpu, DrcState.LogicalConfigured, true, true, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),
        Row("isolate Configured PHB: Available", DrcType.Phb, DrcState.LogicalConfigured, true, false, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),
        Row("isolate Configured PMEM: Available", DrcType.Pmem, DrcState.LogicalConfigured, true, false, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),
        Row("isolate Configured LMB not requested: -1", DrcType.Lmb, DrcState.LogicalConfigured, true, false, Machine.Isolation, Isolate, -1, DrcState.LogicalConfigured),
        Row("isolate Configured LMB requested: Available, no release", DrcType.Lmb, DrcState.LogicalConfigured, true, true, Machine.Isolation, Isolate, 0, DrcState.LogicalAvailable),

        // Unisolate, logical.
        Row("unisolate Unusable without device: -3", DrcType.Cpu, DrcState.LogicalUnusable, false, false, Machine.Isolation, Unisolate, -3, DrcState.LogicalUnusable),
        Row("unisolate Unusable with device: -3", DrcType.Cpu, DrcState.LogicalUnusable, true, false, Machine.Isolation, Unisolate, -3, DrcState.LogicalUnusable),
        Row("unisolate Available: Unisolate", DrcType.Cpu, DrcState.LogicalAvailable, true, false, Machine.Isolation, Unisolate, 0, DrcState.LogicalUnisolate),
        Row("unisolate Available pending: Unisolate, no rejection", DrcType.Cpu, DrcState.LogicalAvailable, true, true, Machine.Isolation, Unisolate, 0, DrcState.LogicalUnisolate),
        Row("unisolate Unisolate: no-op", DrcType.Cpu, DrcState.LogicalUnisolate, true, false, Machine.Isolation, Unisolate, 0, DrcState.LogicalUnisolate),
        Row("unisolate Unisolate pending: guest rejects", DrcType.Cpu, DrcState.LogicalUnisolate, true, true, Machine.Isolation, Unisolate, 0, DrcState.LogicalUnisolate, pendingAfter: false, rejected: 1),
        Row("unisolate Configured: no-op", DrcType.Cpu, DrcState.LogicalConfigured, true, false, Machine.Isolation, Unisolate, 0, DrcState.LogicalConfigured),
        Row("unisolate Configured pending: guest rejects", DrcType.Cpu, DrcState.LogicalConfigured, true, true, Machine.Isolation, Unisolate, 0, DrcState.LogicalConfigured, pendingAfter: false, rejected: 1),
        Row("unisolate Configured LMB pending: guest rejects", DrcType.Lmb, DrcState.LogicalConfigured, true, true, Machine.Isolation, Unisolate, 0, DrcState.LogicalConfigured, pendingAfter: false, rejected: 1),
        Row("unisolate Configured PHB pending: guest rejects", DrcType.Phb, DrcState.LogicalConfigured, true, true, Machine.Isolation, Unisolate, 0, DrcState.LogicalConfigured, pendingAfter: false, rejected: 1),

        // Allocation usable.
        Row("usable Unusable without device: -3", DrcType.Cpu, DrcState.LogicalUnusable, false, false, Machine.Allocation, Usable, -3, DrcState.LogicalUnusable),
        Row("usable Unusable with device: Available", DrcType.Cpu, DrcState.LogicalUnusable, true, false, Machine.Allocation, Usable, 0, DrcState.LogicalAvailable),
        Row("usable Unusable pending: -3", DrcType.Cpu, DrcState.LogicalUnusable, true, true, Machine.Allocation, Usable, -3, DrcState.LogicalUnusable),
        Row("usable Unusable LMB pending: -3", DrcType.Lmb, DrcState.LogicalUnusable, true, true, Machine.Allocation, Usable, -3, DrcState.LogicalUnusable),
        Row("usable Available: no-op", DrcType.Cpu, DrcState.LogicalAvailable, true, false, Machine.Allocation, Usable, 0, DrcState.LogicalAvailable),
        Row("usable Available pending: no-op", DrcType.Cpu, DrcState.LogicalAvailable, true, true, Machine.Allocation, Usable, 0, DrcState.LogicalAvailable),
        Row("usable Unisolate: no-op", DrcType.Cpu, DrcState.LogicalUnisolate, true, false, Machine.Allocation, Usable, 0, DrcState.LogicalUnisolate),
        Row("usable Configured: no-op", DrcType.Cpu, DrcState.LogicalConfigured, true, false, Machine.Allocation, Usable, 0, DrcState.LogicalConfigured),
        Row("usable Configured pending: no-op", DrcType.Cpu, DrcState.LogicalConfigured, true, true, Machine.Allocation, Usable, 0, DrcState.LogicalConfigured),

        // Allocation unusable.
        Row("unusable Unusable without device: no-op", DrcType.Cpu, DrcState.LogicalUnusable, false, false, Machine.Allocation, Unusable, 0, DrcState.LogicalUnusable),
        Row("unusable Unusable with device: no-op", DrcType.Cpu, DrcState.LogicalUnusable, true, false, Machine.Allocation, Unusable, 0, DrcState.LogicalUnusable),
        Row("unusable Available: Unusable, device kept", DrcType.Cpu, DrcState.LogicalAvailable, true, false, Machine.Allocation, Unusable, 0, DrcState.LogicalUnusable),
        Row("unusable Available pending: Unusable, released", DrcType.Cpu, DrcState.LogicalAvailable, true, true, Machine.Allocation, Unusable, 0, DrcState.LogicalUnusable, deviceAfter: false, pendingAfter: false, completed: 1),
        Row("unusable Available LMB pending: Unusable, released", DrcType.Lmb, DrcState.LogicalAvailable, true, true, Machine.Allocation, Unusable, 0, DrcState.LogicalUnusable, deviceAfter: false, pendingAfter: false, completed: 1),
        Row("unusable Unisolate: -3", DrcType.Cpu, DrcState.LogicalUnisolate, true, false, Machine.Allocation, Unusable, -3, DrcState.LogicalUnisolate),
        Row("unusable Unisolate pending: -3", DrcType.Cpu, DrcState.LogicalUnisolate, true, true, Machine.Allocation, Unusable, -3, DrcState.LogicalUnisolate),
        Row("unusable Configured: -3", DrcType.Cpu, DrcState.LogicalConfigured, true, false, Machine.Allocation, Unusable, -3, DrcState.LogicalConfigured),
        Row("unusable Configured pending: -3", DrcType.Cpu, DrcState.LogicalConfigured, true, true, Machine.Allocation, Unusable, -3, DrcState.LogicalConfigured),
    ];

    private static readonly TransitionRow[] Physical =
    [
        // Isolate, physical.
        Row("isolate PowerOn without device: no-op", DrcType.Pci, DrcState.PhysicalPowerOn, false, false, Machine.Isolation, Isolate, 0, DrcState.PhysicalPowerOn),
        Row("isolate PowerOn with device: no-op", DrcType.Pci, DrcState.PhysicalPowerOn, true, false, Machine.Isolation, Isolate, 0, DrcState.PhysicalPowerOn),
        Row("isolate Unisolate: -3", DrcType.Pci, DrcState.PhysicalUnisolate, true, false, Machine.Isolation, Isolate, -3, DrcState.PhysicalUnisolate),
        Row("isolate Unisolate pending: -3", DrcType.Pci, DrcState.PhysicalUnisolate, true, true, Machine.Isolation, Isolate, -3, DrcState.PhysicalUnisolate),
        Row("isolate Configured: PowerOn, device kept", DrcType.Pci, DrcState.PhysicalConfigured, true, false, Machine.Isolation, Isolate, 0, DrcState.PhysicalPowerOn),
        Row("isolate Configured pending: PowerOn, released", DrcType.Pci, DrcState.PhysicalConfigured, true, true, Machine.Isolation, Isolate, 0, DrcState.PhysicalPowerOn, deviceAfter: false, pendingAfter: false, completed: 1),

        // Unisolate, physical.
        Row("unisolate PowerOn without device: -3", DrcType.Pci, DrcState.PhysicalPowerOn, false, false, Machine.Isolation, Unisolate, -3, DrcState.PhysicalPowerOn),
        Row("unisolate PowerOn with device: Unisolate", DrcType.Pci, DrcState.PhysicalPowerOn, true, false, Machine.Isolation, Unisolate, 0, DrcState.PhysicalUnisolate),
        Row("unisolate Unisolate: no-op", DrcType.Pci, DrcState.PhysicalUnisolate, true, false, Machine.Isolation, Unisolate, 0, DrcState.PhysicalUnisolate),
        Row("unisolate Configured: no-op", DrcType.Pci, DrcState.PhysicalConfigured, true, false, Machine.Isolation, Unisolate, 0, DrcState.PhysicalConfigured),
        Row("unisolate Configured pending: no-op, no rejection (physical)", DrcType.Pci, DrcState.PhysicalConfigured, true, true, Machine.Isolation, Unisolate, 0, DrcState.PhysicalConfigured),
    ];

    // Row names (strings) keep every row its own test case in the runner.
    public static TheoryData<string> LogicalRows => [.. Logical.Select(r => r.Name)];

    public static TheoryData<string> PhysicalRows => [.. Physical.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(LogicalRows))]
    public void SetIndicator_LogicalRow_MatchesSpecSection3(string row) => Run(Logical.Single(r => r.Name == row));

    [Theory]
    [MemberData(nameof(PhysicalRows))]
    public void SetIndicator_PhysicalRow_MatchesSpecSection3(string row) => Run(Physical.Single(r => r.Name == row));

    private static void Run(TransitionRow row)
    {
        using var machine = new Machine();
        var drc = machine.InState(row.Type, 1, row.From, row.Device, row.Pending);
        var device = drc.Device;
        machine.Notifications.Clear();

        var status = machine.Rtas.SetIndicator(row.Indicator, drc.Index.Value, row.Value);

        status.Should().Be((RtasStatus)row.Status, row.Name);
        drc.State.Should().Be(row.To, row.Name);
        drc.Device.Should().BeSameAs(row.DeviceAfter ? device : null, row.Name);
        drc.IsUnplugPending.Should().Be(row.PendingAfter, row.Name);
        var unplug = machine.Notifications.Unplug;
        unplug.Count(n => n.Outcome == UnplugOutcome.Completed).Should().Be(row.Completed, row.Name);
        unplug.Count(n => n.Outcome == UnplugOutcome.RejectedByGuest).Should().Be(row.Rejected, row.Name);
        unplug.Should().HaveCount(row.Completed + row.Rejected, row.Name);
        machine.Notifications.Hotplug.Should().BeEmpty(row.Name);
        machine.Registry.AssertInvariants();
    }

    private static TransitionRow Row(string name, DrcType type, DrcState from, bool device, bool pending, uint indicator, uint value, int status, DrcState to,
        bool? deviceAfter = null, bool? pendingAfter = null, int completed = 0, int rejected = 0) =>
        new(name, type, from, device, pending, indicator, value, status, to, deviceAfter ?? device, pendingAfter ?? pending, completed, rejected);

    /// <summary>One row of SPEC section 3.</summary>
    public sealed record TransitionRow(string Name, DrcType Type, DrcState From, bool Device, bool Pending, uint Indicator, uint Value, int Status, DrcState To,
        bool DeviceAfter, bool PendingAfter, int Completed, int Rejected)
    {
        public override string ToString() => Name;
    }
}
