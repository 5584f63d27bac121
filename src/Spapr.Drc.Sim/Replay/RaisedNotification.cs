namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// A notification the library raised during a replay: drcsim's word for it, the QMP event QEMU sends for the same
/// thing (none for a timeout or a cancel: QEMU 7.2 has neither), and the device's trace id.
/// </summary>
internal sealed record RaisedNotification(string Notification, QmpEvent? Counterpart, string DeviceId);
