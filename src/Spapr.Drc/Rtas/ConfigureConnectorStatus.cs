namespace Spapr.Drc;

/// <summary>The return codes of ibm,configure-connector (SPEC section 4).</summary>
public enum ConfigureConnectorStatus
{
    /// <summary>0: the whole fragment was handed out; the connector is now in its ready state.</summary>
    Success = 0,

    /// <summary>1: never produced (fragments are walked depth-first).</summary>
    NextSibling = 1,

    /// <summary>2: a node starts; its name is in the work area.</summary>
    NextChild = 2,

    /// <summary>3: a property; its name, length and value are in the work area.</summary>
    NextProperty = 3,

    /// <summary>4: a node below the top one ended.</summary>
    PreviousParent = 4,

    /// <summary>-1: the connector has no device-tree fragment.</summary>
    HardwareError = -1,

    /// <summary>-3: unknown connector index or a work area too small to hold the header.</summary>
    ParameterError = -3,

    /// <summary>-9003: the connector is not unisolated or configured.</summary>
    NotConfigurable = -9003,
}
