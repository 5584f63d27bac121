using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>
/// A QEMU fact, or one row of a QEMU theory, that runs once more when QEMU 7.2 itself crashed under the first run (seen in CI: "free(): corrupted
/// unsorted chunks" on a device_del of a core the guest never acquired, about once in a few hundred runs). Only a
/// crash is retried: a disagreement, or a crash on the second run too, fails as before, and the retry is reported.
/// </summary>
public sealed class QemuTestCase : XunitTestCase
{
    private const int Runs = 2;

    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public QemuTestCase()
    {
    }

    public QemuTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod, object[]? testMethodArguments = null)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
    }

    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        for (int run = 1; ; run++)
        {
            var delayed = new DelayedMessageBus(messageBus);
            var summary = await base.RunAsync(diagnosticMessageSink, delayed, constructorArguments, aggregator, cancellationTokenSource);
            if (run == Runs || summary.Failed == 0 || aggregator.HasExceptions || !delayed.FailedBecauseQemuCrashed())
            {
                delayed.Flush();
                return summary;
            }

            // Written to the console as well, so that the CI log shows every retry.
            string note = $"{DisplayName}: QEMU crashed under run {run}; running it again on a fresh QEMU.";
            Console.WriteLine(note);
            diagnosticMessageSink.OnMessage(new DiagnosticMessage(note));
        }
    }
}
