using Spapr.Drc.Tests.Snapshot;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Model;

/// <summary>
/// Runs one <see cref="DeviceModelTests.DeviceScenario"/> against a registry (on a <see cref="Machine"/>, replaced by
/// its destination at every snapshot load) and against <see cref="DeviceModel"/>, and compares them after every step.
/// Request ids are the library's: the model's requests are bound to them as results, devices and notifications reveal
/// them, so a binding that changes or an id given to two requests is a failure.
/// </summary>
internal sealed class DeviceDriver : IDisposable
{
    private readonly DrcOptions _options;
    private readonly DeviceModel _model;
    private readonly Dictionary<DeviceModel.Req, long> _ids = [];
    private readonly Dictionary<long, DeviceModel.Req> _requests = [];
    private readonly Dictionary<long, int> _terminal = [];
    private readonly HashSet<long> _accepted = [];
    private readonly Dictionary<DeviceModel.Dev, AttachedDevice> _attached = [];
    private Machine _machine;
    private int _seen;
    private int _devices;

    public DeviceDriver(DeviceModelTests.DeviceScenario scenario)
    {
        _options = scenario.Options();
        _machine = new Machine(_options);
        foreach (var (index, owner) in DeviceModel.Layout())
        {
            _machine.Create((DrcType)(index >> 28), index & DrcIndex.MaxId, owner is { } o ? new DrcIndex(o) : null);
        }

        _model = new DeviceModel(
            scenario.Policy,
            scenario.LmbTimeoutSeconds is { } lmb ? TimeSpan.FromSeconds(lmb) : Timeout.InfiniteTimeSpan,
            scenario.PciTimeoutSeconds is { } pci ? TimeSpan.FromSeconds(pci) : Timeout.InfiniteTimeSpan,
            _machine.Clock.GetUtcNow());
    }

    /// <summary>The steps run so far, each with the connector its target resolved to.</summary>
    public List<string> Trace { get; } = [];

    private DrcRegistry Registry => _machine.Registry;

    public void Apply(DeviceOp op)
    {
        Trace.Add($"{Trace.Count + 1}. {op}");
        switch (op)
        {
            case DeviceOp.AttachDimm a:
            {
                var device = new TestDevice($"dimm{++_devices}");
                var first = DrcIndex.From(DrcType.Lmb, a.First);
                bool actual = Registry.TryAttachMemoryDevice(first, a.Count, device, i => Fragments.Simple("lmb@" + i.Id), Mode(a.Hot), out var error);
                bool expected = _model.AttachDimm(a.First, a.Count, a.Hot, device, out var owner);
                Same("attach result", expected, actual);
                RefusalNames(owner, error);
                break;
            }

            case DeviceOp.Attach a:
            {
                uint index = Resolve(a.At);
                var device = new TestDevice($"{(DrcType)(index >> 28)}dev{++_devices}");
                bool actual = Registry.TryAttach(new DrcIndex(index), device, Fragments.Simple("dev@" + (index & 0xFF)), Mode(a.Hot), out var error);
                bool expected = _model.Attach(index, a.Hot, device, out var owner);
                Same("attach result", expected, actual);
                RefusalNames(owner, error);
                if (actual && index >> 28 == (uint)DrcType.Phb)
                {
                    // As an emulator does: the PHB's slot connectors are created again where its last release removed them.
                    foreach (uint devfn in DeviceModel.DevFns)
                    {
                        var slot = DrcIndex.From(DrcType.Pci, DeviceModel.PciId(index & DrcIndex.MaxId, devfn));
                        if (!Registry.TryGet(slot, out _))
                        {
                            Registry.CreateConnector(DrcType.Pci, slot.Id, new DrcIndex(index));
                        }
                    }
                }

                break;
            }

            case DeviceOp.Unplug u:
                Unplug(Resolve(u.At), u.Timeout);
                break;
            case DeviceOp.Cancel c:
            {
                uint index = Resolve(c.At);
                Same("cancel result", _model.Cancel(index), Registry.CancelUnplug(new DrcIndex(index)));
                break;
            }

            case DeviceOp.GuestRelease g:
                foreach (uint target in Targets(Resolve(g.At), g.WholeDevice))
                {
                    Sense(target);
                    if (SetIndicator(Machine.Isolation, target, 0) == 0 && target >> 28 != (uint)DrcType.Pci)
                    {
                        SetIndicator(Machine.Allocation, target, 0);
                    }
                }

                break;
            case DeviceOp.GuestAcquire g:
                foreach (uint target in Targets(Resolve(g.At), g.WholeDevice))
                {
                    Acquire(target);
                }

                break;
            case DeviceOp.GuestReject g:
                SetIndicator(Machine.Isolation, Resolve(g.At), 1);
                break;
            case DeviceOp.CheckException:
            {
                var status = Registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out var taken);
                var expected = _model.CheckException();
                Same("check-exception status", expected is null ? RtasStatus.NoErrorsFound : RtasStatus.Success, status);
                Same("check-exception event", expected, taken is null ? null : ToModel(taken));
                break;
            }

            case DeviceOp.Advance a:
                _machine.Clock.Advance(TimeSpan.FromSeconds(a.Seconds));
                _model.Advance(TimeSpan.FromSeconds(a.Seconds));
                break;
            case DeviceOp.Reset:
                Registry.Reset();
                _model.Reset();
                break;
            case DeviceOp.SnapshotLoad:
                SnapshotLoad();
                break;
            default:
                throw new InvalidOperationException($"unknown op {op}");
        }

        Compare();
    }

    /// <summary>A final reset ends every pending request: then every request accepted or seen has ended exactly once.</summary>
    public void Finish()
    {
        Registry.Reset();
        _model.Reset();
        Compare();
        foreach (long id in _accepted.Concat(_requests.Keys))
        {
            Same($"terminal notifications of request {id}", 1, _terminal.GetValueOrDefault(id));
        }
    }

    public void Dispose() => _machine.Dispose();

    private static PlugMode Mode(bool hot) => hot ? PlugMode.Hot : PlugMode.Cold;

    /// <summary>The registry event each outcome is raised on: a removal of any kind is a completion (a card removed with its PHB too).</summary>
    private static string KindOf(UnplugOutcome outcome) => outcome switch
    {
        UnplugOutcome.RejectedByGuest => nameof(DrcRegistry.UnplugRejectedByGuest),
        UnplugOutcome.Cancelled => nameof(DrcRegistry.UnplugCancelled),
        UnplugOutcome.TimedOut => nameof(DrcRegistry.UnplugTimedOut),
        _ => nameof(DrcRegistry.UnplugCompleted),
    };

    private static DeviceModel.Ev ToModel(HotplugEvent e) => new(e.Type, e.Action, e.Identifier, e.Index?.Value ?? 0, e.Count);

    private static void RefusalNames(DeviceModel.Dev? owner, string? error)
    {
        // A connector that belongs to a device (a released LMB included) is refused in words that name that device.
        if (owner is not null && error?.Contains(owner.Object.Name, StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"the refusal should name the owner {owner}: \"{error}\"");
        }
    }

    private static void Same<T>(string what, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvalidOperationException($"{what}: model says {expected?.ToString() ?? "null"}, library says {actual?.ToString() ?? "null"}");
        }
    }

    /// <summary>One connector, or every connector the device there still holds, in index order (drcsim's guest verbs).</summary>
    private List<uint> Targets(uint index, bool wholeDevice) =>
        wholeDevice && _model.Find(index)?.Device is { } device
            ? device.Members.Where(m => m.Held).Select(m => m.Index).ToList()
            : [index];

    /// <summary>The connector a target names now; a target with nothing to pick from falls back to a fixed index.</summary>
    private uint Resolve(DeviceOp.Target target)
    {
        var owned = _model.Connectors.Values.Where(c => c.Device is not null).ToList();
        var pending = owned.Where(c => c.Device!.Request is not null).ToList();
        var from = target.Kind switch
        {
            DeviceOp.TargetKind.Fixed => [],
            DeviceOp.TargetKind.Pending when pending.Count > 0 => pending,
            _ => owned,
        };
        uint index = target.Kind == DeviceOp.TargetKind.Fixed ? target.Value
            : from.Count > 0 ? from[(int)(target.Value % (uint)from.Count)].Index
            : DeviceModel.Anywhere[target.Value % (uint)DeviceModel.Anywhere.Length];
        if (target.Kind != DeviceOp.TargetKind.Fixed)
        {
            Trace[^1] += $" = {ModelOp.Name(index)}";
        }

        return index;
    }

    private void Unplug(uint index, TimeSpan? timeout)
    {
        var result = Registry.RequestUnplug(new DrcIndex(index), timeout);
        var (status, remaining, request) = _model.RequestUnplug(index, timeout);
        Same("unplug status", status, result.Status);
        Same("unplug time remaining", remaining, result.TimeRemaining);
        if (request is null)
        {
            Same("request id without a request", 0L, result.RequestId);
            return;
        }

        Bind(request, result.RequestId);
        if (result.Accepted)
        {
            _accepted.Add(result.RequestId);
        }
    }

    /// <summary>Linux's acquire of one connector: sense, (logical) usable, unisolate, configure-connector until it ends; it stops at the first refusal.</summary>
    private void Acquire(uint index)
    {
        Sense(index);
        if (index >> 28 != (uint)DrcType.Pci && SetIndicator(Machine.Allocation, index, 1) != 0)
        {
            return;
        }

        if (SetIndicator(Machine.Isolation, index, 1) != 0)
        {
            return;
        }

        var walk = new List<ConfigureConnectorStatus>();
        var workArea = new byte[DrcRtas.WorkAreaSize];
        while (walk.Count < 100)
        {
            walk.Add(_machine.ConfigureStep(index, workArea));
            if (walk[^1] is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                break;
            }
        }

        Same($"configure-connector walk of {ModelOp.Name(index)} ends", _model.ConfigureToEnd(index), (int)walk[^1]);
    }

    private int SetIndicator(uint type, uint index, uint value)
    {
        int actual = (int)Registry.Rtas.SetIndicator(type, index, value);
        Same($"set-indicator {type} {ModelOp.Name(index)} {value}", _model.SetIndicator(type, index, value), actual);
        return actual;
    }

    private void Sense(uint index)
    {
        var status = Registry.Rtas.GetSensorState(Machine.EntitySenseSensor, index, out uint value);
        Same($"get-sensor-state {ModelOp.Name(index)}", _model.Sense(index), ((int)status, value));
    }

    private void SnapshotLoad()
    {
        var stream = Registry.SaveSnapshot();
        var destination = SnapshotTestKit.Destination(Registry, _options);
        try
        {
            destination.Registry.LoadSnapshot(stream);
        }
        catch (DrcSnapshotException refused)
        {
            destination.Dispose();
            throw new InvalidOperationException($"the destination refused the snapshot: {refused.Message}", refused);
        }

        Same("notifications raised by building the destination and loading", 0, destination.Notifications.All.Count);
        Same("the destination saves the stream it loaded", Convert.ToHexString(stream), Convert.ToHexString(destination.Registry.SaveSnapshot()));
        _machine.Dispose();
        _machine = destination;
        _seen = 0;
        _attached.Clear();
    }

    private void Bind(DeviceModel.Req request, long id)
    {
        if (id == 0)
        {
            throw new InvalidOperationException($"request of {request.Device} carries id 0");
        }

        if (_ids.TryGetValue(request, out long bound))
        {
            Same($"request id of {request.Device}", bound, id);
            return;
        }

        if (_requests.TryGetValue(id, out var other))
        {
            throw new InvalidOperationException($"request id {id} given to {request.Device} was {other.Device}'s");
        }

        _ids[request] = id;
        _requests[id] = request;
    }

    private void Compare()
    {
        Registry.AssertInvariants();
        CompareConnectors();
        CompareDevices();
        CompareEvents();
        CompareNotifications();
        var pending = Registry.GetPendingUnplugs();
        Same("pending unplugs", _model.LiveRequests.Count(), pending.Count);
        foreach (var p in pending)
        {
            if (!_requests.TryGetValue(p.RequestId, out var request) || request.Ended || !ReferenceEquals(request.Device.Object, p.Device))
            {
                throw new InvalidOperationException($"pending request {p.RequestId} of {p.Device} is none the model has pending");
            }

            string what = $"pending request {p.RequestId} of {request.Device}";
            Same($"{what} waits for", string.Join(",", request.Waiting.Select(c => c.Index).Order()), string.Join(",", p.Waiting.Select(i => i.Value)));
            Same($"{what} requested at", request.RequestedAt, p.RequestedAt);
            Same($"{what} timeout", request.Timeout, p.Timeout);
            Same($"{what} timed out", request.TimedOut, p.TimedOut);
            Same($"{what} deadline", request.Deadline, p.Deadline);
            Same($"{what} retries", request.Retries, p.RetryCount);
        }
    }

    private void CompareConnectors()
    {
        Same("connector count", _model.Connectors.Count, Registry.Count);
        foreach (var c in _model.Connectors.Values)
        {
            string name = ModelOp.Name(c.Index);
            if (!Registry.TryGet(new DrcIndex(c.Index), out var drc))
            {
                throw new InvalidOperationException($"{name} is missing");
            }

            Same($"{name} state", c.State, drc.State);
            Same($"{name} holds", c.Held ? c.Device!.Object.Name : "nothing", (drc.Device as TestDevice)?.Name ?? "nothing");
            Same($"{name} belongs to", c.Device?.Object.Name ?? "nobody", (drc.AttachedDevice?.Device as TestDevice)?.Name ?? "nobody");
            Same($"{name} unplug pending", c.Request is not null, drc.IsUnplugPending);
            Same($"{name} DR indicator", c.DrIndicator, drc.DrIndicator);
            Same($"{name} unplug deadline", c.Request?.Deadline, drc.UnplugDeadline);
        }

        // No connector belongs to two devices, and each device's connectors name it back.
        var owners = new Dictionary<DrcIndex, AttachedDevice>();
        foreach (var device in Registry.Connectors.Select(c => c.AttachedDevice).OfType<AttachedDevice>().Distinct())
        {
            foreach (var index in device.Connectors)
            {
                if (!owners.TryAdd(index, device))
                {
                    throw new InvalidOperationException($"{ModelOp.Name(index.Value)} belongs to {owners[index]} and to {device}");
                }

                Same($"{ModelOp.Name(index.Value)} names its device", true, ReferenceEquals(Registry[index].AttachedDevice, device));
            }
        }
    }

    private void CompareDevices()
    {
        foreach (var d in _model.Devices)
        {
            if (d.Ended)
            {
                // Its removal ended: the device object the library handed out says so.
                if (_attached.Remove(d, out var gone))
                {
                    Same($"{d} attached", false, gone.IsAttached);
                }

                continue;
            }

            if (!Registry.TryGetDevice(new DrcIndex(d.Members[0].Index), out var device))
            {
                throw new InvalidOperationException($"{d} has no device in the library");
            }

            if (_attached.TryGetValue(d, out var known) && !ReferenceEquals(known, device))
            {
                throw new InvalidOperationException($"{d} is a different device object than before");
            }

            _attached[d] = device;
            Same($"{d} object", true, ReferenceEquals(d.Object, device.Device));
            Same($"{d} attached", true, device.IsAttached);
            Same($"{d} connectors", string.Join(",", d.Members.Select(m => m.Index)), string.Join(",", device.Connectors.Select(i => i.Value)));
            Same($"{d} held connectors", string.Join(",", d.Members.Where(m => m.Held).Select(m => m.Index)), string.Join(",", device.HeldConnectors.Select(i => i.Value)));
            Same($"{d} unplug pending", d.Request is not null, device.IsUnplugPending);
            if (d.Request is { } request)
            {
                Bind(request, device.PendingRequestId);
            }
        }
    }

    private void CompareEvents()
    {
        var queued = Registry.GetQueuedEvents();
        foreach (var e in queued.Where(e => e.Index is not null))
        {
            for (uint i = 0; i < e.Count; i++)
            {
                Same($"{e} names a live connector", true, Registry.TryGet(new DrcIndex(e.Index!.Value.Value + i), out _));
            }
        }

        var actual = queued.Select(ToModel).ToList();
        if (!actual.SequenceEqual(_model.Events))
        {
            throw new InvalidOperationException($"event queue: model says [{string.Join(", ", _model.Events)}], library says [{string.Join(", ", actual)}]");
        }
    }

    private void CompareNotifications()
    {
        var all = _machine.Notifications.All;
        var fresh = all.Skip(_seen).ToList();
        _seen = all.Count;
        Same("hotplug events queued in this step", _model.Queued, fresh.Count(n => n.Args is HotplugEventQueuedEventArgs));
        _model.Queued = 0;

        // Notifications of one step are matched as a multiset: SPEC orders them only by when things happened.
        var expected = _model.Notes.ToList();
        _model.Notes.Clear();
        foreach (var e in fresh.Select(n => n.Args).OfType<UnplugEventArgs>())
        {
            var note = expected.Find(n => ReferenceEquals(n.Device.Object, e.Device) && n.Outcome == e.Outcome && n.Terminal == e.IsTerminal)
                ?? throw new InvalidOperationException($"unexpected notification {e} (terminal {e.IsTerminal}) for {e.Device}; the model expected [{string.Join(", ", expected)}]");
            expected.Remove(note);
            Same($"{note}: the registry event raised", KindOf(note.Outcome), fresh.First(n => ReferenceEquals(n.Args, e)).Kind);
            Same($"{note}: occurred at", _model.Now, e.OccurredAt);
            Same($"{note}: requested at", note.Request?.RequestedAt ?? _model.Now, e.RequestedAt);
            if (note.Request is null)
            {
                Same($"request id of {note.Device} removed with its owner while nothing was pending", 0L, e.RequestId);
            }
            else
            {
                Bind(note.Request, e.RequestId);
            }

            if (e.IsTerminal && e.RequestId != 0)
            {
                int ended = _terminal[e.RequestId] = _terminal.GetValueOrDefault(e.RequestId) + 1;
                Same($"terminal notifications of request {e.RequestId}", 1, ended);
            }
        }

        if (expected.Count > 0)
        {
            throw new InvalidOperationException($"missing notifications: [{string.Join(", ", expected)}]");
        }
    }
}
