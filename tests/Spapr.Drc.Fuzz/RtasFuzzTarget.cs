using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// Reads an input as a program of RTAS calls (configure-connector and check-exception work areas above all) and host
/// operations against a freshly populated machine on a fake clock. Any status outside SPEC section 4, any broken
/// invariant and any exception is a crash for AFL. Deterministic: the same bytes give the same run.
/// </summary>
internal static class RtasFuzzTarget
{
    private const int MaxOperations = 512;
    private static readonly int[] SetIndicatorCodes = [0, -1, -3];
    private static readonly int[] ConfigureCodes = [0, 2, 3, 4, -1, -3, -9003];
    private static readonly uint[] Tokens = [9001, 9002, 9003];

    public static void Run(ReadOnlySpan<byte> data)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)).SetUnplugTimeout(DrcType.Pci, TimeSpan.FromSeconds(5));
        using var registry = TestMachine.Create(options, time);
        TestMachine.Populate(registry);
        var rtas = registry.Rtas;
        var input = new Reader(data);
        var log = new byte[DrcRtas.EventLogSize + 16];
        for (int op = 0; op < MaxOperations && !input.End; op++)
        {
            switch (input.Byte() % 9)
            {
                case 0:
                    Configure(registry, ref input, Index(registry, ref input), 1);
                    break;
                case 1:
                    Configure(registry, ref input, Index(registry, ref input), 1 + (input.Byte() % 24));
                    break;
                case 2:
                {
                    uint mask = input.Byte() switch
                    {
                        < 64 => uint.MaxValue,
                        < 128 => (uint)RtasEventClasses.Hotplug,
                        < 192 => (uint)RtasEventClasses.Epow,
                        _ => input.UInt32(),
                    };
                    int size = input.Byte() < 224 ? DrcRtas.EventLogSize : input.Byte() % log.Length;
                    var status = rtas.CheckException(mask, log.AsSpan(0, size), out var e);
                    Expect(status is RtasStatus.Success or RtasStatus.NoErrorsFound or RtasStatus.ParameterError, $"check-exception returned {status}");
                    Expect(e is not null == (status == RtasStatus.Success), "check-exception event and status disagree");
                    if (e is not null)
                    {
                        Expect(BinaryPrimitives.ReadUInt32BigEndian(log) == 0x063460E5 && BinaryPrimitives.ReadUInt32BigEndian(log.AsSpan(4)) == 108, "check-exception wrote a bad log header");
                    }

                    break;
                }

                case 3:
                {
                    uint token = input.Byte() < 192 ? Tokens[input.Byte() % Tokens.Length] : input.UInt32();
                    uint index = Index(registry, ref input);
                    uint value = input.Byte() is var v && v < 240 ? v % 5u : input.UInt32();
                    var status = (int)rtas.SetIndicator(token, index, value);
                    Expect(Array.IndexOf(SetIndicatorCodes, status) >= 0, $"set-indicator({token}, 0x{index:X8}, {value}) returned {status}");
                    break;
                }

                case 4:
                {
                    byte counts = input.Byte();
                    Span<uint> args = stackalloc uint[5];
                    Span<uint> rets = stackalloc uint[3];
                    args[0] = Tokens[counts % 3];
                    args[1] = Index(registry, ref input);
                    args[2] = input.Byte() % 3u;
                    args[3] = input.UInt32();
                    args[4] = input.UInt32();
                    rets.Fill(0xDEADBEEF);
                    int nargs = (counts >> 2) % 6;
                    int nret = (counts >> 5) % 4;
                    bool sensor = (counts & 2) != 0;
                    if (sensor)
                    {
                        args[0] = 9003;
                        rtas.GetSensorState(args[..nargs], rets[..nret]);
                    }
                    else
                    {
                        rtas.SetIndicator(args[..nargs], rets[..nret]);
                    }

                    bool rightCounts = sensor ? nargs == 2 && nret == 2 : nargs == 3 && nret == 1;
                    if (nret > 0)
                    {
                        int status = unchecked((int)rets[0]);
                        Expect(rightCounts ? (sensor ? status is 0 or -3 : Array.IndexOf(SetIndicatorCodes, status) >= 0) : status == -3, $"cell form returned {status} for nargs {nargs} nret {nret}");
                    }

                    break;
                }

                case 5:
                {
                    var status = rtas.GetSensorState(input.Byte() < 200 ? 9003u : input.UInt32(), Index(registry, ref input), out var state);
                    Expect(status == RtasStatus.Success ? state <= 2 : status == RtasStatus.ParameterError && state == 0, $"get-sensor-state returned ({status}, {state})");
                    break;
                }

                case 6:
                    Acquire(registry, Index(registry, ref input), ref input);
                    break;
                case 7:
                {
                    uint index = Index(registry, ref input);
                    rtas.SetIndicator(9002, index, 0);
                    rtas.SetIndicator(9001, index, 0);
                    rtas.SetIndicator(9003, index, 0);
                    break;
                }

                default:
                    Host(registry, time, ref input);
                    break;
            }

            registry.AssertInvariants();
        }
    }

    private static void Configure(DrcRegistry registry, ref Reader input, uint index, int calls)
    {
        byte shape = input.Byte();
        int size = shape < 160 ? DrcRtas.WorkAreaSize : shape < 224 ? input.UInt16() % (DrcRtas.WorkAreaSize + 128) : shape % 40;
        var workArea = new byte[size];
        int scribble = Math.Min(size, input.Byte() % 48);
        for (int i = 0; i < scribble; i++)
        {
            workArea[i] = input.Byte();
        }

        for (int call = 0; call < calls; call++)
        {
            if (size >= 4 && (shape & 1) == 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
            }

            int status = (int)registry.Rtas.ConfigureConnector(workArea);
            Expect(Array.IndexOf(ConfigureCodes, status) >= 0, $"configure-connector(0x{index:X8}, {size} bytes) returned {status}");
            Expect(status != -3 || size < DrcRtas.WorkAreaDataOffset || !registry.TryGet(new DrcIndex(size >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(workArea) : 0), out _), "configure-connector refused a known index");
            if (status is 2 or 3)
            {
                uint nameOffset = BinaryPrimitives.ReadUInt32BigEndian(workArea.AsSpan(8));
                Expect(nameOffset == DrcRtas.WorkAreaDataOffset, $"configure-connector wrote name offset {nameOffset}");
            }

            if (status is not (2 or 3 or 4))
            {
                return;
            }
        }
    }

    private static void Acquire(DrcRegistry registry, uint index, ref Reader input)
    {
        var rtas = registry.Rtas;
        if (new DrcIndex(index).Type == DrcType.Pci)
        {
            rtas.SetIndicator(9001, index, 1);
        }
        else if (rtas.SetIndicator(9003, index, 1) == RtasStatus.Success)
        {
            rtas.SetIndicator(9001, index, 1);
        }

        Configure(registry, ref input, index, 32);
    }

    private static void Host(DrcRegistry registry, FakeTimeProvider time, ref Reader input)
    {
        byte choice = input.Byte();
        var index = new DrcIndex(Index(registry, ref input));
        switch (choice % 8)
        {
            case 0:
            case 1:
                if (index.Type == DrcType.Lmb)
                {
                    TestMachine.AttachMemory(registry, index.Id, 1 + (choice >> 3) % 4, (choice & 0x80) != 0 ? PlugMode.Cold : PlugMode.Hot);
                }
                else if (index.Type is { } type && type != DrcType.Vio)
                {
                    TestMachine.Attach(registry, index, (choice & 0x80) != 0 ? PlugMode.Cold : PlugMode.Hot);
                }

                break;
            case 2:
            case 3:
                var result = registry.RequestUnplug(index);
                Expect(Enum.IsDefined(result.Status), "unplug returned an unknown status");
                break;
            case 4:
                registry.CancelUnplug(index);
                break;
            case 5:
                time.Advance(TimeSpan.FromMilliseconds(input.UInt16() * 10));
                break;
            case 6:
                registry.NegotiateClientArchitecture((choice & 0x80) != 0);
                break;
            default:
                for (uint phb = 0; phb < TestMachine.Phbs; phb++)
                {
                    if (!registry.TryGet(DrcType.Pci, TestMachine.PciId(phb, TestMachine.DevFns[0]), out _))
                    {
                        TestMachine.CreatePciSlots(registry, phb);
                    }
                }

                break;
        }
    }

    private static uint Index(DrcRegistry registry, ref Reader input)
    {
        byte b = input.Byte();
        if (b >= 224)
        {
            return input.UInt32();
        }

        var connectors = registry.Connectors;
        return connectors.Count == 0 ? b : connectors[b % connectors.Count].Index.Value;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzFindingException(what);
        }
    }

    /// <summary>Reads the input front to back; past its end every read is zero, so every input is a complete program.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool End => _position >= _data.Length;

        public byte Byte() => _position < _data.Length ? _data[_position++] : (byte)0;

        public ushort UInt16() => (ushort)(Byte() << 8 | Byte());

        public uint UInt32() => (uint)UInt16() << 16 | UInt16();
    }
}
