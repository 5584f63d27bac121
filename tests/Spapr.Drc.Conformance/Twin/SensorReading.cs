namespace Spapr.Drc.Conformance.Twin;

/// <summary>get-sensor-state's two return cells.</summary>
/// <param name="Status">The status cell, signed.</param>
/// <param name="Value">The sensor value.</param>
public readonly record struct SensorReading(int Status, uint Value)
{
    public override string ToString() => $"rc={Status} value={Value}";
}
