using System.Text;

namespace Spapr.Drc.Tests.Events;

/// <summary>Turns expected bytes written by hand in a test (hex words, strings) into arrays.</summary>
internal static class ByteText
{
    /// <summary>Hex digits; spaces, newlines and '|' separators are ignored.</summary>
    public static byte[] Hex(string hex)
    {
        var digits = new StringBuilder(hex.Length);
        foreach (char c in hex)
        {
            if (!char.IsWhiteSpace(c) && c != '|')
            {
                digits.Append(c);
            }
        }

        return Convert.FromHexString(digits.ToString());
    }

    /// <summary>ASCII text, byte for byte (write NULs as \0).</summary>
    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
