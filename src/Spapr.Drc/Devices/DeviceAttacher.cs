using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>
/// The attach rules of SPEC section 5, under the registry lock: a device goes onto free connectors only (a connector
/// belongs to its device until that device's removal ends), a memory device spans consecutive LMBs, and the functions
/// of a PCI slot follow function 0. Every refusal is a sentence; nothing is changed or allocated before the checks pass.
/// </summary>
internal static class DeviceAttacher
{
    public static bool TryAttach(RegistryCore core, DrcIndex index, object device, DeviceTreeNode? fragment, PlugMode mode, [NotNullWhen(true)] out AttachedDevice? attached, [NotNullWhen(false)] out string? error)
    {
        attached = null;
        if (!CheckMode(mode, out error) || !CheckFree(core, index, out var drc, out error))
        {
            return false;
        }

        var kind = drc.Kind;
        if (kind.FunctionsPerSlot > 0 && mode == PlugMode.Hot && !CheckPciFunction(core, drc, out error))
        {
            return false;
        }

        attached = new AttachedDevice(core, device, [drc], fragment is null ? null : [fragment]);
        Take(core, attached, mode);
        core.Unplugs.DeviceAttached();
        if (mode == PlugMode.Hot)
        {
            QueueAdd(core, attached);
        }

        return true;
    }

    public static bool TryAttachSpan(RegistryCore core, DrcIndex first, int count, object device, Func<DrcIndex, DeviceTreeNode?>? fragmentFor, PlugMode mode, [NotNullWhen(true)] out AttachedDevice? attached, [NotNullWhen(false)] out string? error)
    {
        attached = null;
        if (!CheckMode(mode, out error))
        {
            return false;
        }

        // An index need not name a type (default(DrcIndex) is 0), and a Try method answers that with a reason.
        if (!DrcKind.TryOfNibble(first.Value >> 28, out var kind) || !kind.DeviceSpansConnectors)
        {
            error = $"{first} ({DrcKind.NameOf(first)}) is not an LMB connector: only memory devices span several connectors.";
            return false;
        }

        // The count is checked against what can exist before anything is allocated for it.
        if (count < 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"A memory device needs at least one LMB connector; {count} were asked for.");
            return false;
        }

        if ((ulong)first.Id + (ulong)count - 1 > DrcIndex.MaxId)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"A memory device of {count} LMB connectors from {first} ({DrcKind.NameOf(first)}) does not fit: LMB ids end at {DrcIndex.MaxId}.");
            return false;
        }

        // Stops at the first missing or taken LMB, so a huge count costs at most the machine's size, and nothing is allocated.
        for (uint i = 0; i < (uint)count; i++)
        {
            if (!CheckFree(core, new DrcIndex(first.Value + i), out _, out error))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"The memory device needs {count} free LMB connectors from {first}: {error}");
                return false;
            }
        }

        var connectors = new SpaprDrc[count];
        DeviceTreeNode?[]? fragments = null;
        for (int i = 0; i < count; i++)
        {
            connectors[i] = core.Connectors[first.Value + (uint)i];
            if (fragmentFor?.Invoke(connectors[i].Index) is { } fragment)
            {
                fragments ??= new DeviceTreeNode?[count];
                fragments[i] = fragment;
            }
        }

        attached = new AttachedDevice(core, device, connectors, fragments);
        Take(core, attached, mode);
        core.Unplugs.DeviceAttached();
        if (mode == PlugMode.Hot)
        {
            QueueAdd(core, attached);
        }

        error = null;
        return true;
    }

    private static bool CheckMode(PlugMode mode, [NotNullWhen(false)] out string? error)
    {
        error = mode is PlugMode.Cold or PlugMode.Hot ? null : $"Unknown plug mode {mode}.";
        return error is null;
    }

    /// <summary>The connector exists and belongs to no device.</summary>
    private static bool CheckFree(RegistryCore core, DrcIndex index, [NotNullWhen(true)] out SpaprDrc? drc, [NotNullWhen(false)] out string? error)
    {
        if (!core.Connectors.TryGetValue(index.Value, out drc))
        {
            error = $"No connector with index {index}.";
            return false;
        }

        if (drc.AttachedDevice is { } owner)
        {
            error = drc.IsHeld
                ? $"{drc.Name} ({drc.Index}) already has a device attached: {owner}."
                : $"{drc.Name} ({drc.Index}) still belongs to {owner}, whose removal is under way; it is free once that ends.";
            drc = null;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Hot plug of a non-zero function is refused once function 0 is present (SPEC section 5, QEMU's words).</summary>
    private static bool CheckPciFunction(RegistryCore core, SpaprDrc drc, [NotNullWhen(false)] out string? error)
    {
        uint functions = (uint)drc.Kind.FunctionsPerSlot;
        uint function = drc.Id % functions;
        if (function != 0 && core.Connectors.TryGetValue(drc.Index.Value - function, out var function0) && function0.IsHeld)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"PCI: slot {(drc.Id & 0xFF) / functions} function 0 already occupied, additional functions can no longer be exposed to the guest.");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The connectors take the device; cold plug is attach then reset: the ready state and the indicator a reset gives.</summary>
    private static void Take(RegistryCore core, AttachedDevice device, PlugMode mode)
    {
        var connectors = device.ConnectorSpan;
        for (int i = 0; i < connectors.Length; i++)
        {
            var drc = connectors[i];
            drc.Take(device, i);
            if (mode == PlugMode.Cold)
            {
                drc.ResetToColdPlug();
            }

            if (core.Logger.IsEnabled(LogLevel.Information))
            {
                Log.Attached(core.Logger, drc.Index, drc.Name, device.Device, mode, drc.State);
            }
        }
    }

    /// <summary>
    /// The Add event(s) of a hot plug: by index; for a memory device count-indexed once the guest negotiated, by count
    /// before; for PCI, function 0 makes the slot visible: its Add, then one for every function already waiting behind it,
    /// while a non-zero function alone waits silently.
    /// </summary>
    private static void QueueAdd(RegistryCore core, AttachedDevice device)
    {
        var kind = device.Kind;
        var unplugs = core.Unplugs;
        if (kind.EventsNameRuns)
        {
            uint count = (uint)device.ConnectorSpan.Length;
            if (core.Negotiated)
            {
                unplugs.QueueEvent(kind.HotplugType, HotplugAction.Add, HotplugIdentifier.DrcCountIndexed, device.Index.Value, count);
            }
            else
            {
                unplugs.QueueEvent(kind.HotplugType, HotplugAction.Add, HotplugIdentifier.DrcCount, 0, count);
            }

            return;
        }

        if (kind.FunctionsPerSlot == 0)
        {
            unplugs.QueueEvent(kind.HotplugType, HotplugAction.Add, HotplugIdentifier.DrcIndex, device.Index.Value, 1);
            return;
        }

        uint functions = (uint)kind.FunctionsPerSlot;
        if (device.First.Id % functions != 0)
        {
            return;
        }

        unplugs.QueueEvent(kind.HotplugType, HotplugAction.Add, HotplugIdentifier.DrcIndex, device.Index.Value, 1);
        for (uint f = 1; f < functions; f++)
        {
            if (core.Connectors.TryGetValue(device.Index.Value + f, out var other) && other.IsHeld)
            {
                unplugs.QueueEvent(kind.HotplugType, HotplugAction.Add, HotplugIdentifier.DrcIndex, other.Index.Value, 1);
            }
        }
    }
}
