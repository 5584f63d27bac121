using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// Builds the device-tree fixture files from a running guest's /proc/device-tree: each records the QEMU command
/// line and machine shape it was taken on, the raw hex of every property, and a decoded form where one is known.
/// </summary>
internal sealed class DeviceTreeFixtures
{
    private static readonly string[] DrcProperties =
        ["ibm,drc-indexes", "ibm,drc-names", "ibm,drc-types", "ibm,drc-power-domains", "ibm,drc-info"];

    private readonly GuestSession _session;
    private readonly Dictionary<string, JsonObject> _files = new(StringComparer.Ordinal);

    public DeviceTreeFixtures(GuestSession session) => _session = session;

    /// <summary>File name (no folder) to content, in the order captured.</summary>
    public IReadOnlyDictionary<string, JsonObject> Files => _files;

    /// <summary>/rtas: every property as hex, and the 4-byte token properties as name -> QEMU's token number.</summary>
    public void CaptureRtas()
    {
        var properties = _session.Properties("/proc/device-tree/rtas");
        var fixture = Header("/rtas", "after boot");
        fixture["tokens"] = new JsonObject(_session.Tokens.ByName.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)JsonValue.Create(t.Value))));
        fixture["properties"] = Hex(properties);
        _files["rtas.json"] = fixture;
    }

    /// <summary>
    /// A node's DRC arrays (ibm,drc-info only if QEMU provides it). QEMU puts the LMB, PHB and PMEM connectors on the
    /// root node, the CPU connectors on /cpus and each PHB's PCI connectors on that PHB's node.
    /// </summary>
    public void CaptureDrcProperties(string node, string fileName)
    {
        var all = _session.Properties("/proc/device-tree" + node);
        var kept = all.Where(p => DrcProperties.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var fixture = Header(node, "after boot");
        fixture["absent"] = new JsonArray(DrcProperties.Where(p => !kept.ContainsKey(p)).Select(p => (JsonNode?)p).ToArray());
        fixture["properties"] = Hex(kept);
        fixture["decoded"] = Decoded(kept);
        _files[fileName] = fixture;
    }

    /// <summary>/chosen's ibm,architecture-vec-5: what client-architecture-support negotiated (byte 6 bit 0x04 = hotplug events).</summary>
    public void CaptureArchitectureVector()
    {
        var chosen = _session.Properties("/proc/device-tree/chosen");
        var kept = chosen.Where(p => p.Key.StartsWith("ibm,arch", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var fixture = Header("/chosen", "after boot");
        fixture["hotplug_events_negotiated"] = _session.Negotiated;
        fixture["properties"] = Hex(kept);
        _files["chosen-architecture-vectors.json"] = fixture;
    }

    /// <summary>
    /// Every property of /ibm,dynamic-reconfiguration-memory at one moment, which changed since <paramref name="previous"/>,
    /// and which properties the guest kernel itself rewrote (of_update_property) during <paramref name="cause"/>.
    /// </summary>
    public void CaptureDynamicMemory(string moment, string description, string? previous, PhaseOutcome? cause = null)
    {
        var properties = _session.Properties("/proc/device-tree/ibm,dynamic-reconfiguration-memory");
        var fixture = Header("/ibm,dynamic-reconfiguration-memory", description);
        if (cause is not null)
        {
            fixture["guest_kernel_property_updates"] = new JsonArray(cause.KernelPropertyUpdates.Select(p => (JsonNode?)p).ToArray());
            fixture["guest_kernel_property_updates_during"] = cause.Label;
        }

        if (previous is not null && _files.TryGetValue(previous, out var before) && before["properties"] is JsonObject old)
        {
            fixture["changed_since"] = previous;
            fixture["changed_properties"] = new JsonArray(properties
                .Where(p => old[p.Key]?.GetValue<string>() != p.Value)
                .Select(p => (JsonNode?)p.Key)
                .Concat(old.Where(o => !properties.ContainsKey(o.Key)).Select(o => (JsonNode?)o.Key))
                .ToArray());
        }

        fixture["properties"] = Hex(properties);
        fixture["decoded"] = Decoded(properties);
        _files[$"dynamic-reconfiguration-memory-{moment}.json"] = fixture;
    }

    private JsonObject Header(string node, string captured)
    {
        var shape = _session.Shape;
        return new JsonObject
        {
            ["node"] = node,
            ["captured"] = captured,
            ["source"] = "guest /proc/device-tree (hex of each property file)",
            ["qemu"] = _session.Machine.Qmp.Version,
            ["kernel"] = _session.MachineJson()["kernel"]!.GetValue<string>(),
            ["qemu_command_line"] = _session.Machine.CommandLine,
            ["machine"] = new JsonObject
            {
                ["ram_mb"] = shape.RamMb,
                ["maxmem_mb"] = shape.MaxMemMb,
                ["slots"] = shape.Slots,
                ["smp"] = shape.Smp,
                ["maxcpus"] = shape.MaxCpus,
                ["numa_nodes"] = shape.NumaNodes,
            },
        };
    }

    private static JsonObject Hex(IReadOnlyDictionary<string, string> properties) =>
        new(properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));

    private static JsonObject Decoded(IReadOnlyDictionary<string, string> properties)
    {
        var decoded = new JsonObject();
        foreach (var (name, hex) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (DeviceTreeDecoder.Decode(name, hex) is { } value)
            {
                decoded[name] = value;
            }
        }

        return decoded;
    }
}
