using Xunit.Abstractions;
using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>Makes every data row of a <see cref="QemuTheoryAttribute"/> method a <see cref="QemuTestCase"/>.</summary>
public sealed class QemuTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        [new QemuTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, dataRow)];
}
