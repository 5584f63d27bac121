namespace Spapr.Drc;

/// <summary>RTAS status codes of SPEC section 4, as the guest receives them (a signed 32-bit cell).</summary>
public enum RtasStatus
{
    /// <summary>0: the call succeeded.</summary>
    Success = 0,

    /// <summary>1: check-exception found no event in the requested classes.</summary>
    NoErrorsFound = 1,

    /// <summary>-1: hardware error (e.g. isolating an LMB the host did not ask for).</summary>
    HardwareError = -1,

    /// <summary>-2: busy, try again.</summary>
    Busy = -2,

    /// <summary>-3: bad parameter. NotSupported and NoSuchIndicator share this code.</summary>
    ParameterError = -3,

    /// <summary>-9002: not authorized.</summary>
    NotAuthorized = -9002,
}
