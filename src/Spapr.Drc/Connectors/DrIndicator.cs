namespace Spapr.Drc;

/// <summary>The DR indicator (the slot's light) of a physical connector, RTAS indicator 9002.</summary>
public enum DrIndicator : byte
{
    /// <summary>Off.</summary>
    Inactive = 0,

    /// <summary>On: the slot is in use.</summary>
    Active = 1,

    /// <summary>Blinking to identify the slot.</summary>
    Identify = 2,

    /// <summary>Blinking: an action is required.</summary>
    Action = 3,
}
