using Spapr.Drc.RealGuest.Guest;
using Xunit.Abstractions;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>The kernel fallback against the real apt: a pinned package that does not exist yields the newest 6.1 one.</summary>
[Collection(RealGuestCollection.Name)]
public sealed class PackageFallbackTests
{
    private readonly ITestOutputHelper _output;

    public PackageFallbackTests(ITestOutputHelper output) => _output = output;

    [RealGuestFact]
    public void Fetch_PinnedKernelNotDownloadable_FallsBackToTheNewest61Kernel()
    {
        var packages = PackageFetcher.Fetch(GuestImage.DefaultCacheDirectory, _output.WriteLine, pinnedKernel: "linux-image-6.1.0-9999-powerpc64le");
        packages.IsPinnedKernel.Should().BeFalse();
        packages.KernelPackage.Should().MatchRegex(@"^linux-image-6\.1\.0-\d+-powerpc64le$");
        File.Exists(packages.KernelDeb).Should().BeTrue();
    }
}
