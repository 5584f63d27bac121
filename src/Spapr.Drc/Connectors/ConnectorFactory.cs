using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>Creates connectors under the registry lock: all or none, owners checked against the class table.</summary>
internal static class ConnectorFactory
{
    public static SpaprDrc[] Create(RegistryCore core, DrcIndex first, int count, DrcIndex? owner)
    {
        var kind = DrcKind.Of(first);
        if (owner is { } o)
        {
            if (!core.Connectors.TryGetValue(o.Value, out var ownerDrc))
            {
                throw new ArgumentException($"The owner {o} does not exist: create the owning connector first.", nameof(owner));
            }

            if ((kind.AllowedOwners & ownerDrc.Kind.Mask) == 0)
            {
                throw new ArgumentException(kind.AllowedOwners == DrcTypeMask.None
                    ? $"A {kind.Type} connector has no owner; {ownerDrc.Name} ({o}) cannot own one."
                    : $"A {kind.Type} connector may be owned by a {kind.AllowedOwners} connector, not by {ownerDrc.Name} ({o}).", nameof(owner));
            }
        }

        // Consecutive ids are consecutive index values (the caller checked the range); duplicates are refused up front,
        // so the loop below adds without checking again (a machine creates thousands at once).
        for (uint i = 0; i < (uint)count; i++)
        {
            if (core.Connectors.ContainsKey(first.Value + i))
            {
                var index = new DrcIndex(first.Value + i);
                throw new InvalidOperationException($"A connector with index {index} ({DrcKind.NameOf(index)}) already exists.");
            }
        }

        core.Connectors.EnsureCapacity(core.Connectors.Count + count);
        var created = new SpaprDrc[count];
        for (uint i = 0; i < (uint)count; i++)
        {
            var drc = new SpaprDrc(core, new DrcIndex(first.Value + i), owner);
            core.Connectors.Add(drc.Index.Value, drc);
            created[i] = drc;
        }

        core.OrderChanged();
        if (core.Logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var drc in created)
            {
                Log.ConnectorCreated(core.Logger, drc.Index, drc.Name);
            }
        }

        return created;
    }
}
