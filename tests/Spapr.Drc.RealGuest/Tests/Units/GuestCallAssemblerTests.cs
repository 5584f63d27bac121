using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;
using Spapr.Drc.RealGuest.Recording;

namespace Spapr.Drc.RealGuest.Tests.Units;

// Recording.RtasTokens, qualified: the library's Spapr.Drc.RtasTokens (QEMU's numbering, for emulators) lives in an
// enclosing namespace, so the bare name would resolve to it now that this project references src/.
public sealed class GuestCallAssemblerTests
{
    private static readonly KernelSymbols Symbols = new(0xc000000002750910, 0xc0000000026d0000, 0xc000000002772938);
    private static readonly Recording.RtasTokens Tokens = new(GuestTraceSamples.RtasProperties);

    [Fact]
    public void Assemble_SensorCall_SwapsCellsAndSplitsArgsFromRets()
    {
        var call = Assemble(GuestTraceSamples.SensorCall, GuestTraceSamples.SensorReturn).Single();
        JsonLine.Write(call.ToTraceLine()).Should().Be("{\"rtas\": \"get-sensor-state\", \"args\": [9003, \"0x80000008\"], \"rets\": [0, 2]}");
    }

    [Fact]
    public void Assemble_CheckExceptionWithLog_DecodesTheHotplugEvent()
    {
        var call = Assemble(GuestTraceSamples.CheckExceptionCall, GuestTraceSamples.CheckExceptionReturn, GuestTraceSamples.CheckExceptionLog).Single();
        JsonLine.Write(call.ToTraceLine()).Should().Be(
            "{\"rtas\": \"check-exception\", \"args\": [1280, 4097, 268435456, 0, 41363768, 2048], \"rets\": [0], " +
            "\"event\": {\"type\": 2, \"action\": 1, \"identifier\": 4, \"index\": \"0x80000008\", \"count\": 2}}");
    }

    [Fact]
    public void Assemble_ReturnProbeSawAnotherCall_Throws()
    {
        var act = () => Assemble(GuestTraceSamples.SensorCall, GuestTraceSamples.RacedSensorReturn);
        act.Should().Throw<RealGuestException>().WithMessage("*rtas.args changed*");
    }

    [Fact]
    public void Assemble_EntryWithoutReturn_Throws()
    {
        var act = () => Assemble(GuestTraceSamples.SensorCall);
        act.Should().Throw<RealGuestException>().WithMessage("*without a return*");
    }

    private static IReadOnlyList<GuestRtasCall> Assemble(params string[] lines) =>
        GuestCallAssembler.Assemble(lines.Select(l => KprobeRecord.Parse(l)!), Tokens, Symbols);
}
