using System.Globalization;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// QEMU's RTAS token numbers as the guest sees them: the 4-byte properties of /rtas whose value is a token. QEMU
/// numbers its tokens from 0x2000; the other 4-byte /rtas properties (sizes, rates, addresses) are not tokens.
/// </summary>
public sealed class RtasTokens
{
    private static readonly HashSet<string> NotTokens = new(StringComparer.Ordinal)
    {
        "rtas-size", "rtas-version", "rtas-event-scan-rate", "rtas-error-log-max", "linux,rtas-base", "linux,rtas-entry",
        "slof,rtas-base", "slof,rtas-size", "slof,from-fdt", "phandle",
    };

    private readonly Dictionary<string, int> _byName;

    public RtasTokens(IReadOnlyDictionary<string, string> rtasProperties)
    {
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, hex) in rtasProperties)
        {
            if (hex.Length == 8 && !NotTokens.Contains(name)
                && int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value)
                && value is >= 0x2000 and < 0x3000)
            {
                _byName[name] = value;
            }
        }

        foreach (var call in TraceFormat.RtasCalls)
        {
            if (!_byName.ContainsKey(call))
            {
                throw new RealGuestException($"The guest's /rtas has no '{call}' token: not QEMU's pSeries RTAS?");
            }
        }
    }

    /// <summary>Name to token, sorted by name.</summary>
    public IReadOnlyDictionary<string, int> ByName => new SortedDictionary<string, int>(_byName, StringComparer.Ordinal);

    public IReadOnlyList<int> DrcCallTokens => TraceFormat.RtasCalls.Select(Token).ToList();

    public int Token(string name) => _byName[name];

    /// <summary>The DRC call a token belongs to, or null for every other RTAS call.</summary>
    public string? DrcCallName(int token) => TraceFormat.RtasCalls.FirstOrDefault(c => _byName[c] == token);
}
