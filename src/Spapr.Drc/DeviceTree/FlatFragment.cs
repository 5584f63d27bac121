using System.Text;

namespace Spapr.Drc;

/// <summary>
/// A device-tree fragment flattened once at attach into the token sequence configure-connector walks,
/// with names pre-encoded, so that each guest call is a bounded copy and allocates nothing.
/// </summary>
internal sealed class FlatFragment
{
    private FlatFragment(Token[] tokens) => Tokens = tokens;

    internal enum TokenKind : byte
    {
        BeginNode,
        Property,
        EndNode,
    }

    internal readonly record struct Token(TokenKind Kind, byte[] Name, ReadOnlyMemory<byte> Value, int Depth);

    public Token[] Tokens { get; }

    public static FlatFragment From(DeviceTreeNode root)
    {
        var tokens = new List<Token>();
        Flatten(root, 0, tokens);
        return new FlatFragment([.. tokens]);
    }

    private static void Flatten(DeviceTreeNode node, int depth, List<Token> tokens)
    {
        tokens.Add(new Token(TokenKind.BeginNode, NulTerminated(node.Name), default, depth));
        foreach (var property in node.Properties)
        {
            tokens.Add(new Token(TokenKind.Property, NulTerminated(property.Name), property.Value, depth));
        }

        foreach (var child in node.Children)
        {
            Flatten(child, depth + 1, tokens);
        }

        tokens.Add(new Token(TokenKind.EndNode, [], default, depth));
    }

    private static byte[] NulTerminated(string name) => Encoding.UTF8.GetBytes(name + "\0");
}
