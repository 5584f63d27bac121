namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// What the command executors share while one scenario runs: the current machine, what watches it (the state
/// observer and the notification listener), the last saved snapshot, and how a line's names resolve to connectors
/// and devices.
/// </summary>
internal sealed class ScenarioSession
{
    private SimMachine? _machine;

    public ScenarioSession(RunRecording recording)
    {
        Observer = new StateObserver(recording);
        Notifications = new NotificationListener(Observer);
    }

    public SimMachine Machine => _machine ?? throw new InvalidOperationException("No machine.");

    public StateObserver Observer { get; }

    public NotificationListener Notifications { get; }

    /// <summary>The last <c>save</c>, for <c>load</c>.</summary>
    public byte[]? Snapshot { get; set; }

    /// <summary>Starts a fresh machine (the scenario's first, or one a <c>machine</c> line asks for).</summary>
    public void StartMachine(int number, DrcOptions options)
    {
        FinishMachine();
        var machine = new SimMachine(number, options);
        Notifications.Subscribe(machine, machine.Registry);
        _machine = machine;
        Observer.StartMachine(machine);
    }

    /// <summary>Ends the current machine: its open timeout windows close at its last virtual time.</summary>
    public void FinishMachine()
    {
        if (_machine is null)
        {
            return;
        }

        Observer.FinishMachine();
        _machine.Dispose();
        _machine = null;
    }

    /// <summary>Records what changed since the last look (see <see cref="StateObserver.Observe"/>).</summary>
    public void Observe(StepOutcome outcome) => Observer.Observe(outcome);

    /// <summary>A connector the line names; a scenario naming what the machine lacks is malformed.</summary>
    public SpaprDrc Connector(int line, DrcType type, uint id) =>
        Machine.Registry.TryGet(type, id, out var drc)
            ? drc
            : throw new ScenarioException(line, $"no connector {Format.ConnectorWords(type, id)} ({DrcIndex.From(type, id)}) on this machine: create it first with 'connector {Format.ConnectorWords(type, id)}'");

    /// <summary>The connector a host command addresses: the one named, or the first one of the named device.</summary>
    public DrcIndex Target(int line, DeviceTarget target) =>
        target.Type is { } type ? Connector(line, type, target.Id).Index : Device(line, target.Name!).First;

    /// <summary>A device by the name the scenario gave it at plug time.</summary>
    public SimDevice Device(int line, string name) =>
        Machine.Devices.TryGetValue(name, out var device)
            ? device
            : throw new ScenarioException(line, $"no device named '{name}' (name devices with 'plug <type> <id> as <name>')");

    /// <summary>
    /// The connectors a guest command runs on: the one named, or every connector the named device still holds, in
    /// index order (the library's <see cref="AttachedDevice.HeldConnectors"/>); none once its removal ended.
    /// </summary>
    public IReadOnlyList<SpaprDrc> GuestTargets(int line, DeviceTarget target)
    {
        if (target.Type is { } type)
        {
            return [Connector(line, type, target.Id)];
        }

        var device = Device(line, target.Name!);
        var registry = Machine.Registry;
        if (!registry.TryGetDevice(device.First, out var attached) || !ReferenceEquals(attached.Device, device))
        {
            return [];
        }

        return [.. attached.HeldConnectors.Select(index => registry[index])];
    }
}
