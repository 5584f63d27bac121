using System.Diagnostics.CodeAnalysis;

namespace Spapr.Drc;

/// <summary>What an attach under the lock gives back to the facade: the device, or why not.</summary>
internal readonly record struct AttachOutcome(AttachedDevice? Device, string? Error)
{
    public bool Unpack([NotNullWhen(true)] out AttachedDevice? device, [NotNullWhen(false)] out string? error)
    {
        device = Device;
        if (device is null)
        {
            error = Error ?? "The attach was refused.";
            return false;
        }

        error = null;
        return true;
    }
}
