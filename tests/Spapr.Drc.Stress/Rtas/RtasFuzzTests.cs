using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Stress.Infrastructure;
using Xunit.Abstractions;

namespace Spapr.Drc.Stress.Rtas;

/// <summary>
/// Issue 9, part 3: a million random RTAS calls against a populated machine (SPEC section 4). Only listed status codes
/// come back, nothing throws, and the invariants hold after every call.
/// </summary>
public sealed class RtasFuzzTests(ITestOutputHelper output)
{
    private const int CiCalls = 1_000_000;

    /// <summary>AssertInvariants walks every connector under the lock; every 64th call keeps CI mode in budget.</summary>
    private const int InvariantInterval = 64;
    private static readonly uint[] Tokens = [9001, 9002, 9003, 9000, 9004, 0, uint.MaxValue];

    [Fact]
    public void RandomRtasCalls_PopulatedMachine_OnlySpecStatusCodesAndInvariantsHold()
    {
        int seed = StressMode.Seed(20260);
        var random = new Random(seed);
        var time = new FakeTimeProvider();
        var logger = new CountingLogger();
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)).SetUnplugTimeout(DrcType.Pci, TimeSpan.FromSeconds(5));
        using var registry = TestMachine.Create(options, time, logger);
        TestMachine.Populate(registry);
        var indexes = registry.Connectors.Select(c => c.Index).ToArray();
        var rtas = registry.Rtas;
        var workArea = new byte[2 * DrcRtas.WorkAreaSize];
        var log = new byte[DrcRtas.EventLogSize + 8];
        var statuses = new Dictionary<string, HashSet<int>>();
        var stopwatch = Stopwatch.StartNew();
        var longRun = StressMode.LongDuration;
        long calls = 0;
        long hostOps = 0;
        var violations = new List<string>();

        while (calls < CiCalls || (longRun is { } d && stopwatch.Elapsed < d))
        {
            if (calls % 500 == 0)
            {
                // Keep the machine interesting: new devices, unplug requests, time passing, the odd reset.
                HostStep();
                hostOps++;
            }

            Call();
            calls++;
            if (calls % InvariantInterval == 0)
            {
                registry.AssertInvariants();
            }
        }

        registry.AssertInvariants();
        violations.Should().BeEmpty();
        logger.Errors.Should().Be(0, string.Join(Environment.NewLine, logger.ErrorMessages));
        statuses["set-indicator"].Should().BeSubsetOf([0, -1, -3]);
        statuses["get-sensor-state"].Should().BeSubsetOf([0, -3]);
        statuses["configure-connector"].Should().BeSubsetOf([0, 2, 3, 4, -1, -3, -9003]);
        statuses["check-exception"].Should().BeSubsetOf([0, 1, -3]);
        statuses["configure-connector"].Should().Contain([0, 2, 3, 4, -3, -9003], "the fuzzer must reach every configure-connector outcome");
        output.WriteLine($"seed {seed}: {calls:N0} RTAS calls and {hostOps:N0} host operations in {stopwatch.Elapsed.TotalSeconds:0.0} s, AssertInvariants every {InvariantInterval} calls and at the end");
        foreach (var (call, codes) in statuses.OrderBy(p => p.Key))
        {
            output.WriteLine($"  {call}: {string.Join(", ", codes.Order())}");
        }

        void Expect(bool condition, string what)
        {
            if (!condition && violations.Count < 20)
            {
                violations.Add(what);
            }
        }

        void Record(string call, int status)
        {
            if (!statuses.TryGetValue(call, out var set))
            {
                statuses[call] = set = [];
            }

            set.Add(status);
        }

        uint Index() => random.Next(8) switch
        {
            0 => (uint)random.Next() | (uint)random.Next(2) << 31,
            1 => indexes[random.Next(indexes.Length)].Value ^ (1u << random.Next(32)),
            _ => indexes[random.Next(indexes.Length)].Value,
        };

        uint Value() => random.Next(6) switch
        {
            0 => (uint)random.Next() | (uint)random.Next(2) << 31,
            1 => uint.MaxValue,
            _ => (uint)random.Next(5),
        };

        uint Token() => random.Next(5) == 0 ? (uint)random.Next() : Tokens[random.Next(Tokens.Length)];

        void Call()
        {
            switch (random.Next(9))
            {
                case 0:
                case 1:
                    Record("set-indicator", (int)rtas.SetIndicator(Token(), Index(), Value()));
                    break;
                case 2:
                {
                    int nargs = random.Next(6) == 0 ? random.Next(6) : 3;
                    int nret = random.Next(6) == 0 ? random.Next(4) : 1;
                    Span<uint> args = stackalloc uint[5] { Token(), Index(), Value(), Value(), Value() };
                    Span<uint> rets = stackalloc uint[3] { 0xDEAD, 0xDEAD, 0xDEAD };
                    rtas.SetIndicator(args[..nargs], rets[..nret]);
                    if (nret > 0)
                    {
                        Record("set-indicator", unchecked((int)rets[0]));
                        if (nargs != 3 || nret != 1)
                        {
                            Expect(unchecked((int)rets[0]) == -3, "wrong cell counts must be a parameter error");
                        }
                    }

                    break;
                }

                case 3:
                {
                    var status = rtas.GetSensorState(Token(), Index(), out var state);
                    Record("get-sensor-state", (int)status);
                    Expect(status == RtasStatus.Success ? state <= 2 : state == 0, $"get-sensor-state returned ({status}, {state})");

                    break;
                }

                case 4:
                {
                    int nargs = random.Next(6) == 0 ? random.Next(5) : 2;
                    int nret = random.Next(6) == 0 ? random.Next(4) : 2;
                    Span<uint> args = stackalloc uint[4] { random.Next(2) == 0 ? 9003u : Token(), Index(), Value(), Value() };
                    Span<uint> rets = stackalloc uint[3] { 0xDEAD, 0xDEAD, 0xDEAD };
                    rtas.GetSensorState(args[..nargs], rets[..nret]);
                    if (nret > 0)
                    {
                        Record("get-sensor-state", unchecked((int)rets[0]));
                        if (nargs != 2 || nret != 2)
                        {
                            Expect(unchecked((int)rets[0]) == -3, "wrong cell counts must be a parameter error");
                        }
                    }

                    break;
                }

                case 5:
                case 6:
                case 7:
                {
                    int size = random.Next(10) switch
                    {
                        0 => random.Next(DrcRtas.WorkAreaDataOffset + 1),
                        1 => random.Next(workArea.Length + 1),
                        2 => random.Next(DrcRtas.WorkAreaDataOffset, 64),
                        _ => DrcRtas.WorkAreaSize,
                    };
                    var wa = workArea.AsSpan(0, size);
                    if (random.Next(64) == 0)
                    {
                        random.NextBytes(wa);
                    }
                    else if (random.Next(4) == 0)
                    {
                        // The header cells are what configure-connector reads; scribble on them often.
                        random.NextBytes(wa[..Math.Min(size, 64)]);
                    }

                    if (size >= 4)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(wa, Index());
                    }

                    Record("configure-connector", (int)rtas.ConfigureConnector(wa));
                    break;
                }

                default:
                {
                    uint mask = random.Next(3) switch
                    {
                        0 => (uint)random.Next(),
                        1 => (uint)RtasEventClasses.Hotplug,
                        _ => uint.MaxValue,
                    };
                    int size = random.Next(8) == 0 ? random.Next(log.Length + 1) : DrcRtas.EventLogSize;
                    var status = rtas.CheckException(mask, log.AsSpan(0, size), out var e);
                    Record("check-exception", (int)status);
                    Expect(e is not null == (status == RtasStatus.Success), $"check-exception returned {status} with event {e}");
                    break;
                }
            }
        }

        void HostStep()
        {
            var index = indexes[random.Next(indexes.Length)];
            switch (random.Next(12))
            {
                case < 5:
                    if (index.Type == DrcType.Lmb)
                    {
                        TestMachine.AttachMemory(registry, index.Id, random.Next(1, 4), random.Next(4) == 0 ? PlugMode.Cold : PlugMode.Hot);
                    }
                    else
                    {
                        TestMachine.Attach(registry, index, random.Next(4) == 0 ? PlugMode.Cold : PlugMode.Hot);
                    }

                    break;
                case < 9:
                    registry.RequestUnplug(index);
                    break;
                case 9:
                    time.Advance(TimeSpan.FromSeconds(random.Next(1, 40)));
                    break;
                case 10:
                    if (random.Next(10) == 0)
                    {
                        registry.NegotiateClientArchitecture(random.Next(2) == 0);
                    }

                    break;
                default:
                    for (uint phb = 0; phb < TestMachine.Phbs; phb++)
                    {
                        if (!registry.TryGet(DrcType.Pci, TestMachine.PciId(phb, TestMachine.DevFns[0]), out _))
                        {
                            TestMachine.CreatePciSlots(registry, phb);
                        }
                    }

                    indexes = registry.Connectors.Select(c => c.Index).ToArray();
                    break;
            }
        }
    }
}
