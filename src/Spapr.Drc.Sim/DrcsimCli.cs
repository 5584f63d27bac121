using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Spapr.Drc.Sim.Pictures;
using Spapr.Drc.Sim.Replay;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim;

/// <summary>The drcsim command line: run, demo, diagram, replay.</summary>
internal static class DrcsimCli
{
    /// <summary>Exit code of an unexpected failure inside drcsim itself (a bug), reported without a stack trace.</summary>
    public const int ExitInternalError = 3;

    /// <summary>Parses and runs a command line. Never throws: every failure is a message and an exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool color)
    {
        try
        {
            var parsed = Build(output, error, color).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // A usage error is a malformed input like a bad scenario line: exit code 2, no help dump.
                foreach (var parseError in parsed.Errors)
                {
                    error.WriteLine("drcsim: " + parseError.Message);
                }

                error.WriteLine("Run 'drcsim --help' for usage.");
                return ScenarioRunner.ExitMalformed;
            }

            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
#pragma warning disable CA1031 // The tool's promise: a message and an exit code, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error.WriteLine($"drcsim: internal error: {e.GetType().Name}: {e.Message}");
            return ExitInternalError;
        }
    }

    /// <summary>Colour only for a terminal, and only when NO_COLOR is unset (https://no-color.org).</summary>
    public static bool ColorWanted() =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    internal static RootCommand Build(TextWriter output, TextWriter error, bool color)
    {
        var jsonOption = new Option<bool>("--json") { Description = "One JSON object per line (SPEC section 9 fields) instead of the timeline." };

        var files = new Argument<string[]>("file")
        {
            Description = "Scenario files (SPEC section 9).",
            Arity = ArgumentArity.OneOrMore,
        };
        var run = new Command("run", "Replay scenario files against a fresh registry on a virtual clock.") { files, jsonOption };
        var timelineOption = new Option<string?>("--timeline")
        {
            Description = "Write a picture of the run instead of the text timeline: svg (swim lanes on virtual time). One file only.",
        };
        timelineOption.AcceptOnlyFromAmong("svg");
        run.Options.Add(timelineOption);
        run.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            if (parse.GetValue(timelineOption) is not null)
            {
                return RunTimelineSvg(paths, output, error);
            }

            var runner = new ScenarioRunner(output, error, parse.GetValue(jsonOption), color && !parse.GetValue(jsonOption));
            int exit = 0;
            foreach (var file in paths)
            {
                exit = Math.Max(exit, runner.RunFile(file));
            }

            return exit;
        });

        var demoJson = new Option<bool>("--json") { Description = jsonOption.Description };
        var demo = new Command("demo", "Run the built-in scenarios: the seed story, memory rejection, PCI by reset, the two timeout policies.") { demoJson };
        demo.SetAction(parse =>
        {
            bool json = parse.GetValue(demoJson);
            var runner = new ScenarioRunner(output, error, json, color && !json);
            int exit = 0;
            foreach (var name in BuiltInScenarios.Names)
            {
                exit = Math.Max(exit, runner.Run(name, BuiltInScenarios.Read(name)));
                if (!json)
                {
                    output.WriteLine();
                }
            }

            return exit;
        });

        var classOption = new Option<string>("--class")
        {
            Description = "The connector class: logical (CPU, PHB, LMB, PMEM) or physical (PCI).",
            DefaultValueFactory = _ => "logical",
        };
        classOption.AcceptOnlyFromAmong([.. Format.Classes.Keys]);
        var formatOption = new Option<string>("--format")
        {
            Description = "mermaid (GitHub renders it in Markdown) or dot (Graphviz).",
            DefaultValueFactory = _ => "mermaid",
        };
        formatOption.AcceptOnlyFromAmong("mermaid", "dot");
        var diagram = new Command("diagram", "Print a connector class's state machine, generated from the library's transition table.") { classOption, formatOption };
        diagram.SetAction(parse =>
        {
            var drcClass = Format.Classes[parse.GetValue(classOption)!];
            output.Write(parse.GetValue(formatOption) == "dot" ? StateDiagram.Dot(drcClass) : StateDiagram.Mermaid(drcClass));
            return 0;
        });

        var root = new RootCommand("drcsim: replay pSeries (PAPR) DRC hotplug scenarios against Spapr.Drc on a virtual clock.")
        {
            run,
            demo,
            diagram,
            BuildReplay(output, error),
        };

        // The default prints the entry assembly's version, which is the test host's when tests run drcsim in-process.
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction(output);
        }

        return root;
    }

    /// <summary><c>replay &lt;trace.jsonl&gt; [--json] [--timeouts]</c>: a real guest's recorded calls against the library.</summary>
    private static Command BuildReplay(TextWriter output, TextWriter error)
    {
        var trace = new Argument<string>("trace")
        {
            Description = "A real-guest trace (JSON lines, as tests/Spapr.Drc.RealGuest records them).",
        };
        var json = new Option<bool>("--json") { Description = "One JSON object per compared line, then a summary object." };
        var timeouts = new Option<bool>("--timeouts")
        {
            Description = "Give the library its default unplug timeouts and run the clock past every deadline after the last line (QEMU 7.2 has none: an unplug that never completes then differs).",
        };
        var replay = new Command("replay", "Replay a recorded real-guest trace against the library and compare every answer; the last line is \"N agree, M differ\".")
        {
            trace,
            json,
            timeouts,
        };
        replay.SetAction(parse => ReplayCommand.RunFile(parse.GetValue(trace)!, output, error, parse.GetValue(json), parse.GetValue(timeouts)));
        return replay;
    }

    /// <summary>Runs one scenario quietly and writes its swim-lane SVG; the run's messages still go to stderr.</summary>
    internal static int RunTimelineSvg(IReadOnlyList<string> paths, TextWriter output, TextWriter error)
    {
        if (paths.Count != 1)
        {
            error.WriteLine("drcsim: --timeline svg draws one scenario: give exactly one file.");
            return ScenarioRunner.ExitMalformed;
        }

        var runner = new ScenarioRunner(TextWriter.Null, error);
        int exit = runner.RunFile(paths[0]);
        if (runner.Recording is { } recording && exit != ScenarioRunner.ExitMalformed)
        {
            TimelineSvg.Write(recording, Path.GetFileName(paths[0]), output);
            output.WriteLine();
        }

        return exit;
    }

    private sealed class PrintVersionAction(TextWriter output) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(DrcsimCli).Assembly;
            output.WriteLine(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "unknown");
            return 0;
        }
    }
}
