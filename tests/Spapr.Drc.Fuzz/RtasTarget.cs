using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// The guest's side (SPEC section 4): fuzz bytes decode into a sequence of RTAS calls (typed and cell forms with any
/// argument and return counts, work areas and check-exception buffers of any size and contents), mixed with the host
/// operations that make those calls interesting (plug, unplug, cancel, reset, clock advance). RTAS never throws, every
/// status is one SPEC lists, and every invariant holds after every call.
/// </summary>
internal sealed class RtasTarget : IFuzzTarget
{
    private const int OperationCount = 16;

    private static readonly uint[] IndicatorTypes = [9001, 9002, 9003];

    public string Name => "rtas";

    public bool Run(ReadOnlySpan<byte> input)
    {
        byte setup = input.IsEmpty ? (byte)0 : input[0];
        var clock = new FakeTimeProvider(FuzzMachine.Epoch);
        using var registry = FuzzMachine.Create(clock, setup);
        Drive(registry, clock, input.IsEmpty ? input : input[1..]);
        return true;
    }

    /// <summary>Runs a decoded sequence of calls against a machine (also used to build snapshot seeds).</summary>
    /// <param name="registry">The machine.</param>
    /// <param name="clock">Its clock.</param>
    /// <param name="operations">The encoded calls.</param>
    public static void Drive(DrcRegistry registry, FakeTimeProvider clock, ReadOnlySpan<byte> operations)
    {
        var reader = new FuzzReader(operations);
        var connectors = registry.Connectors;
        var rtas = registry.Rtas;
        int calls = 0;

        // A bound on the sequence keeps each execution short whatever afl-fuzz feeds.
        while (!reader.AtEnd && calls++ < 4096)
        {
            byte op = reader.Byte();
            switch (op % OperationCount)
            {
                case 0:
                    Check(rtas.SetIndicator(Indicator(ref reader), Index(ref reader, connectors), SmallValue(ref reader)));
                    break;
                case 1:
                    {
                        var args = Cells(ref reader, connectors, out var rets);
                        rtas.SetIndicator(args, rets);
                        CheckCells(rets);
                        break;
                    }

                case 2:
                    {
                        uint sensor = (reader.Byte() & 1) == 0 ? (uint)RtasSensor.EntitySense : reader.UInt32();
                        Check(rtas.GetSensorState(sensor, Index(ref reader, connectors), out uint state));
                        if (state > (uint)EntitySense.Recover)
                        {
                            throw new InvalidOperationException($"get-sensor-state gave entity sense {state}, not in SPEC.");
                        }

                        break;
                    }

                case 3:
                    {
                        var args = Cells(ref reader, connectors, out var rets);
                        rtas.GetSensorState(args, rets);
                        CheckCells(rets);
                        break;
                    }

                case 4:
                    Check(rtas.ConfigureConnector(WorkArea(ref reader, connectors)));
                    break;
                case 5:
                    ConfigureFully(rtas, Index(ref reader, connectors), reader.Byte());
                    break;
                case 6:
                    {
                        var buffer = new byte[reader.Byte() % 2 == 0 ? DrcRtas.EventLogSize : reader.Byte()];
                        reader.Bytes(buffer.Length).CopyTo(buffer);
                        var status = rtas.CheckException(EventMask(ref reader), buffer, out var dequeued);
                        Check(status);
                        if ((status == RtasStatus.Success) != (dequeued is not null))
                        {
                            throw new InvalidOperationException($"check-exception gave {status} with event {dequeued}.");
                        }

                        break;
                    }

                case 7:
                    {
                        var args = Cells(ref reader, connectors, out var rets);
                        if (args.Length > 2 && (reader.Byte() & 1) == 0)
                        {
                            args[2] = EventMask(ref reader);
                        }

                        var buffer = new byte[reader.Byte()];
                        reader.Bytes(buffer.Length).CopyTo(buffer);
                        rtas.CheckException(args, rets, buffer);
                        CheckCells(rets);
                        break;
                    }

                case 8:
                    {
                        var args = Cells(ref reader, connectors, out var rets);
                        rtas.EventScan(args, rets);
                        CheckCells(rets);
                        break;
                    }

                case 9:
                    {
                        byte timeout = reader.Byte();
                        var result = registry.RequestUnplug(
                            new DrcIndex(Index(ref reader, connectors)),
                            timeout switch { 0 => null, 255 => Timeout.InfiniteTimeSpan, _ => TimeSpan.FromMilliseconds(timeout * 10) });
                        if (!Enum.IsDefined(result.Status))
                        {
                            throw new InvalidOperationException($"RequestUnplug gave {result.Status}.");
                        }

                        break;
                    }

                case 10:
                    registry.CancelUnplug(new DrcIndex(Index(ref reader, connectors)));
                    break;
                case 11:
                    clock.Advance(TimeSpan.FromMilliseconds(reader.UInt16() * 10));
                    break;
                case 12:
                    {
                        var index = new DrcIndex(Index(ref reader, connectors));
                        byte shape = reader.Byte();
                        registry.TryAttach(index, "device", FuzzMachine.Fragment(index, shape), (shape & 4) == 0 ? PlugMode.Hot : PlugMode.Cold, out _);
                        break;
                    }

                case 13:
                    {
                        var first = new DrcIndex(Index(ref reader, connectors));
                        byte count = reader.Byte();
                        registry.TryAttachMemoryDevice(first, (count & 0x0F) + 1, "dimm", FuzzMachine.Lmb, (count & 0x80) == 0 ? PlugMode.Hot : PlugMode.Cold, out _);
                        break;
                    }

                case 14:
                    if ((reader.Byte() & 1) == 0)
                    {
                        registry.Reset();
                    }
                    else
                    {
                        registry.NegotiateClientArchitecture(reader.Byte() % 2 == 0);
                    }

                    break;
                default:
                    // The guest's full acquire of a connector: allocate, unisolate, configure (the common happy path,
                    // hard for a fuzzer to assemble from single calls).
                    {
                        uint index = Index(ref reader, connectors);
                        Check(rtas.SetIndicator(9003, index, 1));
                        Check(rtas.SetIndicator(9001, index, 1));
                        ConfigureFully(rtas, index, 0);
                        break;
                    }
            }

            registry.AssertInvariants();
        }

        registry.AssertInvariants();
    }

    public IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        // Acquire every connector, then unplug a few and let the guest release them; then the same after negotiation.
        yield return ("acquire-all", [0, .. Enumerable.Range(0, 40).SelectMany(i => new byte[] { 15, (byte)i })]);
        yield return ("unplug-release", [2, 15, 2, 9, 0, 2, 0, 0, 2, 1, 0, 0, 0, 2, 0, 3, 2, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 11, 0x10, 0]);
        yield return ("unplug-timeout", [1, 9, 5, 3, 11, 0x01, 0x00, 6, 1, 0x80, 0x40, 0, 0, 0, 9, 10, 14, 9, 2, 255, 10, 14, 14, 0]);
        yield return ("lmb-reject", [3, 15, 11, 9, 0, 11, 0, 0, 11, 1, 1, 4, 12, 5, 11, 0]);
        yield return ("cells", [0, 1, 3, 1, 1, 0, 0, 3, 2, 0, 8, 4, 3, 7, 6, 0, 1, 128, 8, 4, 0]);
        yield return ("plug-hot", [2, 12, 5, 1, 12, 17, 2, 13, 25, 3, 15, 5, 15, 17, 15, 25, 6, 0, 0xff, 0xff, 0xff, 0xff]);
    }

    private static void ConfigureFully(DrcRtas rtas, uint index, byte sizeChoice)
    {
        var workArea = new byte[sizeChoice == 0 ? DrcRtas.WorkAreaSize : sizeChoice * 20];
        for (int i = 0; i < 256; i++)
        {
            if (workArea.Length >= 4)
            {
                BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
            }

            var status = rtas.ConfigureConnector(workArea);
            Check(status);
            if (status is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                return;
            }
        }

        throw new InvalidOperationException($"configure-connector on {index:x8} did not finish in 256 calls.");
    }

    private static uint Indicator(ref FuzzReader reader)
    {
        byte b = reader.Byte();
        return b < 0xF0 ? IndicatorTypes[b % IndicatorTypes.Length] : reader.UInt32();
    }

    private static uint SmallValue(ref FuzzReader reader)
    {
        byte b = reader.Byte();
        return b < 0xF0 ? b % 5u : reader.UInt32();
    }

    /// <summary>Mostly an index the registry knows (so calls reach the state machine), sometimes any 32 bits.</summary>
    private static uint Index(ref FuzzReader reader, IReadOnlyList<SpaprDrc> connectors)
    {
        byte b = reader.Byte();
        return b < 0xF0 ? connectors[b % connectors.Count].Index.Value : reader.UInt32();
    }

    private static uint EventMask(ref FuzzReader reader) => (reader.Byte() % 4) switch
    {
        0 => (uint)RtasEventClasses.Hotplug,
        1 => (uint)RtasEventClasses.Epow,
        2 => uint.MaxValue,
        _ => reader.UInt32(),
    };

    /// <summary>An argument array of 0..7 cells (index-like in the second cell) and a return array of 0..3 cells.</summary>
    private static uint[] Cells(ref FuzzReader reader, IReadOnlyList<SpaprDrc> connectors, out uint[] rets)
    {
        byte counts = reader.Byte();
        var args = new uint[counts & 7];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = i switch
            {
                0 => Indicator(ref reader),
                1 => Index(ref reader, connectors),
                _ => SmallValue(ref reader),
            };
        }

        rets = new uint[(counts >> 3) & 3];
        rets.AsSpan().Fill(0xDEAD_BEEF);
        return args;
    }

    private static byte[] WorkArea(ref FuzzReader reader, IReadOnlyList<SpaprDrc> connectors)
    {
        ushort size = reader.UInt16();
        var workArea = new byte[size % 5000];
        reader.Bytes(Math.Min(workArea.Length, 64)).CopyTo(workArea);
        if (workArea.Length >= 4 && (reader.Byte() & 1) == 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(workArea, Index(ref reader, connectors));
        }

        return workArea;
    }

    private static void Check(RtasStatus status)
    {
        if (!Enum.IsDefined(status))
        {
            throw new InvalidOperationException($"RTAS status {(int)status} is not one SPEC lists.");
        }
    }

    private static void Check(ConfigureConnectorStatus status)
    {
        if (!Enum.IsDefined(status) || status == ConfigureConnectorStatus.NextSibling)
        {
            throw new InvalidOperationException($"configure-connector status {(int)status} is not one SPEC lists.");
        }
    }

    private static void CheckCells(uint[] rets)
    {
        if (rets.Length > 0 && rets[0] != 0xDEAD_BEEF)
        {
            Check((RtasStatus)unchecked((int)rets[0]));
        }
        else if (rets.Length > 0)
        {
            throw new InvalidOperationException("An RTAS call left its status cell unwritten.");
        }
    }
}
