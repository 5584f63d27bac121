using Xunit.Abstractions;
using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>Makes every <see cref="QemuFactAttribute"/> method a <see cref="QemuTestCase"/>.</summary>
public sealed class QemuFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        if (testMethod.Method.GetParameters().Any())
        {
            // As xunit's own fact discoverer answers it: a fact takes no arguments.
            return new FactDiscoverer(diagnosticMessageSink).Discover(discoveryOptions, testMethod, factAttribute);
        }

        return [new QemuTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
    }
}
