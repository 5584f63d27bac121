using System.Text;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Replays a scenario (SPEC section 9) against a fresh registry on a virtual clock and writes the timeline: the run
/// loop, which checks each <c>expect</c> against the output of the command before it and hands every other command to
/// its executor. Tests call it in-process with their own writers.
/// </summary>
internal sealed class ScenarioRunner
{
    /// <summary>Exit code: every line ran and every expect held.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code: an expect did not hold.</summary>
    public const int ExitExpectFailed = 1;

    /// <summary>Exit code: a malformed line, a missing file, or a line naming what the machine lacks.</summary>
    public const int ExitMalformed = 2;

    private readonly TextWriter _error;
    private readonly TimelineWriter _timeline;

    public ScenarioRunner(TextWriter output, TextWriter error, bool json = false, bool color = false)
    {
        _error = error;
        _timeline = new TimelineWriter(output, json, color);
    }

    /// <summary>What the last run did in virtual time (for the SVG timeline).</summary>
    public RunRecording? Recording { get; private set; }

    /// <summary>Runs a scenario file from disk.</summary>
    public int RunFile(string path)
    {
        return InputFile.TryRead(path, "scenario", _error, out var text) ? Run(path, text) : ExitMalformed;
    }

    /// <summary>Runs a scenario. <paramref name="source"/> names it in messages (<c>file:line: what is wrong</c>).</summary>
    public int Run(string source, string text)
    {
        IReadOnlyList<ScenarioStep> steps;
        try
        {
            steps = ScenarioParser.Parse(text);
        }
        catch (ScenarioException e)
        {
            _error.WriteLine($"{source}:{e.Line}: {e.Message}");
            return ExitMalformed;
        }

        var recording = new RunRecording();
        var session = new ScenarioSession(recording);
        _timeline.Heading(source);
        session.StartMachine(1, new DrcOptions());
        try
        {
            string? previous = null;
            int previousLine = 0;
            foreach (var step in steps)
            {
                if (step is ExpectStep expect)
                {
                    if (previous is null)
                    {
                        throw new ScenarioException(step.Line, "expect has no command before it to check");
                    }

                    if (!previous.Contains(expect.Expected, StringComparison.Ordinal))
                    {
                        ReportFailedExpect(source, expect, previous, previousLine);
                        return ExitExpectFailed;
                    }

                    continue;
                }

                var outcome = Execute(session, step);
                _timeline.Command(outcome);
                var plain = new StringBuilder(TimelineWriter.PlainCommand(outcome));
                foreach (var n in session.Notifications.TakeAll())
                {
                    _timeline.Notification(n);
                    plain.Append('\n').Append(TimelineWriter.PlainNotification(n));
                }

                previous = plain.ToString();
                previousLine = step.Line;
            }

            return ExitOk;
        }
        catch (ScenarioException e)
        {
            _error.WriteLine($"{source}:{e.Line}: {e.Message}");
            return ExitMalformed;
        }
        finally
        {
            session.FinishMachine();
            Recording = recording;
        }
    }

    private void ReportFailedExpect(string source, ExpectStep expect, string previous, int previousLine)
    {
        _error.WriteLine($"{source}:{expect.Line}: expect failed");
        _error.WriteLine($"  expected: {expect.Expected}");
        _error.WriteLine($"  actual output of line {previousLine}:");
        foreach (var line in previous.Split('\n'))
        {
            _error.WriteLine("    " + line.Trim());
        }
    }

    /// <summary>Runs one command on the session's machine; afterwards the outcome holds every state change it caused.</summary>
    private static StepOutcome Execute(ScenarioSession session, ScenarioStep step)
    {
        if (step is MachineStep m)
        {
            return HostCommands.Machine(session, m);
        }

        var machine = session.Machine;
        machine.Used = true;
        session.Notifications.CurrentStep = step;
        var outcome = new StepOutcome(step, machine.Clock.ElapsedMs);
        switch (step)
        {
            case ConnectorStep s: HostCommands.Connector(session, s, outcome); break;
            case PlugStep s: HostCommands.Plug(session, s, outcome); break;
            case UnplugStep s: HostCommands.Unplug(session, s, outcome); break;
            case CancelStep s: HostCommands.Cancel(session, s, outcome); break;
            case SetIndicatorStep s: RtasCommands.SetIndicator(session, s, outcome); break;
            case GetSensorStateStep s: RtasCommands.GetSensorState(session, s, outcome); break;
            case ConfigureConnectorStep s: RtasCommands.ConfigureConnector(session, s, outcome); break;
            case CheckExceptionStep s: RtasCommands.CheckException(session, s, outcome); break;
            case GuestStep s: GuestCommands.Execute(session, s, outcome); break;
            case AdvanceStep s: MachineCommands.Advance(session, s, outcome); break;
            case PlainStep s: MachineCommands.Plain(session, s, outcome); break;
            case ShowStep s: ShowCommand.Execute(session, s, outcome); break;
            default: throw new ScenarioException(step.Line, $"'{step.Verb}' cannot run here");
        }

        session.Observe(outcome);
        session.Notifications.CurrentStep = null;
        return outcome;
    }
}
