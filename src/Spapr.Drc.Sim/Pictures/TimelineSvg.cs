using System.Globalization;
using System.Xml;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Pictures;

/// <summary>
/// A swim-lane SVG of a scenario run: one lane per connector that changed, virtual time left to right, state
/// segments, unplug notifications as markers, hotplug events as ticks, and the unplug timeout windows shaded.
/// Plain SVG text; elements carry data-* attributes (times in virtual milliseconds) so tools and tests can read it.
/// </summary>
internal static class TimelineSvg
{
    private const double LabelWidth = 190;
    private const double PlotWidth = 860;
    private const double Right = 30;
    private const double Top = 64;
    private const double LaneHeight = 46;
    private const double BarHeight = 22;

    public static void Write(RunRecording recording, string title, TextWriter output)
    {
        var lanes = recording.Lanes.OrderBy(l => l.Machine).ThenBy(l => l.Index).ToList();
        bool manyMachines = lanes.Select(l => l.Machine).Distinct().Count() > 1;
        // A little room after the last event, so the final states show.
        long endMs = Math.Max(recording.EndMs, 1000);
        endMs += Math.Max(1000, endMs / 20);
        double scale = PlotWidth / endMs;
        double height = Top + (lanes.Count * LaneHeight) + 110;
        double width = LabelWidth + PlotWidth + Right;
        double X(long ms) => LabelWidth + (ms * scale);

        var settings = new XmlWriterSettings { Indent = true, NewLineChars = "\n", OmitXmlDeclaration = true };
        using var xml = XmlWriter.Create(output, settings);
        xml.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        Attr(xml, "width", width);
        Attr(xml, "height", height);
        xml.WriteAttributeString("viewBox", string.Create(CultureInfo.InvariantCulture, $"0 0 {N(width)} {N(height)}"));
        xml.WriteAttributeString("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif");
        xml.WriteAttributeString("font-size", "12");
        xml.WriteAttributeString("data-end-ms", End(recording.EndMs));

        xml.WriteStartElement("title");
        xml.WriteString("drcsim timeline: " + title);
        xml.WriteEndElement();
        Rect(xml, 0, 0, width, height, "#ffffff", "background");
        Text(xml, 12, 22, "drcsim timeline: " + title, "title", bold: true, size: 15);

        // Time axis with round ticks.
        long tick = TickStep(endMs);
        for (long t = 0; t <= endMs; t += tick)
        {
            Line(xml, X(t), Top - 8, X(t), Top + (lanes.Count * LaneHeight), "#dddddd", "grid");
            Text(xml, X(t) - 10, Top - 14, Format.Time(t).Replace(".000", string.Empty, StringComparison.Ordinal), "tick-label", size: 10);
        }

        Text(xml, LabelWidth + PlotWidth - 110, 22, "virtual time \u2192", "axis-label", size: 11);

        for (int i = 0; i < lanes.Count; i++)
        {
            var lane = lanes[i];
            double y = Top + (i * LaneHeight);
            double barY = y + ((LaneHeight - BarHeight) / 2);
            xml.WriteStartElement("g");
            xml.WriteAttributeString("class", "lane");
            xml.WriteAttributeString("data-index", Format.Index(lane.Index));
            xml.WriteAttributeString("data-machine", lane.Machine.ToString(CultureInfo.InvariantCulture));
            string label = (manyMachines ? string.Create(CultureInfo.InvariantCulture, $"M{lane.Machine} ") : string.Empty) + Format.Connector(lane.Name, lane.Index);
            Text(xml, 10, barY + 15, label, "lane-label");

            // State segments: from creation to each change, then to the end (or removal).
            long machineEnd = lane.RemovedMs ?? endMs;
            long from = lane.CreatedMs;
            var state = lane.Initial;
            foreach (var (time, _, to) in lane.Changes)
            {
                Segment(xml, X(from), X(time), barY, state, from, time);
                from = time;
                state = to;
            }

            Segment(xml, X(from), X(machineEnd), barY, state, from, machineEnd);

            foreach (var window in recording.Windows.Where(w => w.Machine == lane.Machine && w.Index == lane.Index))
            {
                long windowEnd = window.EndMs ?? endMs;
                xml.WriteStartElement("rect");
                xml.WriteAttributeString("class", "timeout-window");
                Attr(xml, "x", X(window.StartMs));
                Attr(xml, "y", y + 2);
                Attr(xml, "width", X(windowEnd) - X(window.StartMs));
                Attr(xml, "height", LaneHeight - 4);
                xml.WriteAttributeString("fill", "#ff9800");
                xml.WriteAttributeString("fill-opacity", "0.22");
                xml.WriteAttributeString("stroke", "#e65100");
                xml.WriteAttributeString("stroke-dasharray", "4 3");
                xml.WriteAttributeString("data-start-ms", End(window.StartMs));
                xml.WriteAttributeString("data-end-ms", End(windowEnd));
                xml.WriteAttributeString("data-expired", window.Expired ? "true" : "false");
                xml.WriteStartElement("title");
                xml.WriteString($"unplug timeout running {Format.Time(window.StartMs)} - {Format.Time(windowEnd)}{(window.Expired ? " (fired)" : " (stopped)")}");
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            foreach (var n in recording.Notifications.Where(n => n.Machine == lane.Machine && n.Index == lane.Index))
            {
                if (n.Kind == NotificationListener.HotplugEventQueued)
                {
                    EventTick(xml, X(n.TimeMs), barY, n);
                }
                else
                {
                    Marker(xml, X(n.TimeMs), barY + (BarHeight / 2), n);
                }
            }

            xml.WriteEndElement();
        }

        Legend(xml, Top + (lanes.Count * LaneHeight) + 24);
        xml.WriteEndElement();
    }

    private static void Segment(XmlWriter xml, double x1, double x2, double y, DrcState state, long fromMs, long toMs)
    {
        if (x2 - x1 <= 0)
        {
            return;
        }

        xml.WriteStartElement("rect");
        xml.WriteAttributeString("class", "state");
        Attr(xml, "x", x1);
        Attr(xml, "y", y);
        Attr(xml, "width", x2 - x1);
        Attr(xml, "height", BarHeight);
        xml.WriteAttributeString("fill", StateColour(state));
        xml.WriteAttributeString("stroke", "#ffffff");
        xml.WriteAttributeString("data-state", ((int)state).ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("data-start-ms", End(fromMs));
        xml.WriteAttributeString("data-end-ms", End(toMs));
        xml.WriteStartElement("title");
        xml.WriteString($"{Format.State(state)} from {Format.Time(fromMs)} to {Format.Time(toMs)}");
        xml.WriteEndElement();
        xml.WriteEndElement();
        string label = Format.State(state);
        if (x2 - x1 > (label.Length * 6.2) + 8)
        {
            Text(xml, x1 + 5, y + 15, label, "state-label", size: 11);
        }
        else if (x2 - x1 > 14)
        {
            Text(xml, x1 + 4, y + 15, ((int)state).ToString(CultureInfo.InvariantCulture), "state-label", size: 11);
        }
    }

    private static void Marker(XmlWriter xml, double x, double y, NotificationRecord n)
    {
        var (colour, symbol) = n.Kind switch
        {
            NotificationListener.UnplugCompleted => ("#2e7d32", "\u2713"),
            NotificationListener.UnplugTimedOut => ("#e65100", "!"),
            NotificationListener.UnplugRejectedByGuest => ("#b71c1c", "\u2717"),
            _ => ("#455a64", "\u2205"),
        };
        xml.WriteStartElement("g");
        xml.WriteAttributeString("class", "marker " + n.Kind);
        xml.WriteAttributeString("data-kind", n.Kind);
        xml.WriteAttributeString("data-time-ms", End(n.TimeMs));
        xml.WriteStartElement("title");
        xml.WriteString($"{n.Kind} {Format.Connector(n.Name, n.Index)} at {Format.Time(n.TimeMs)}");
        xml.WriteEndElement();
        xml.WriteStartElement("circle");
        Attr(xml, "cx", x);
        Attr(xml, "cy", y);
        Attr(xml, "r", 9);
        xml.WriteAttributeString("fill", colour);
        xml.WriteAttributeString("stroke", "#ffffff");
        xml.WriteAttributeString("stroke-width", "2");
        xml.WriteEndElement();
        Text(xml, x - (symbol == "!" ? 2 : 4.5), y + 4.5, symbol, "marker-symbol", size: 12, fill: "#ffffff");
        xml.WriteEndElement();
    }

    private static void EventTick(XmlWriter xml, double x, double barY, NotificationRecord n)
    {
        xml.WriteStartElement("path");
        xml.WriteAttributeString("class", "event-tick");
        xml.WriteAttributeString("data-time-ms", End(n.TimeMs));
        xml.WriteAttributeString("d", string.Create(CultureInfo.InvariantCulture, $"M {N(x - 5)} {N(barY - 9)} L {N(x + 5)} {N(barY - 9)} L {N(x)} {N(barY - 1)} Z"));
        xml.WriteAttributeString("fill", "#1565c0");
        xml.WriteStartElement("title");
        xml.WriteString($"hotplug event queued for the guest at {Format.Time(n.TimeMs)}");
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Legend(XmlWriter xml, double y)
    {
        xml.WriteStartElement("g");
        xml.WriteAttributeString("class", "legend");
        double x = 10;
        foreach (var state in new[] { DrcState.LogicalUnusable, DrcState.LogicalAvailable, DrcState.LogicalUnisolate, DrcState.LogicalConfigured, DrcState.PhysicalPowerOn, DrcState.PhysicalUnisolate, DrcState.PhysicalConfigured })
        {
            Rect(xml, x, y, 12, 12, StateColour(state), "legend-swatch");
            string label = Format.State(state);
            Text(xml, x + 16, y + 10, label, "legend-label", size: 10);
            x += 22 + (label.Length * 5.6);
        }

        y += 26;
        x = 10;
        xml.WriteStartElement("rect");
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        Attr(xml, "width", 24);
        Attr(xml, "height", 12);
        xml.WriteAttributeString("fill", "#ff9800");
        xml.WriteAttributeString("fill-opacity", "0.22");
        xml.WriteAttributeString("stroke", "#e65100");
        xml.WriteAttributeString("stroke-dasharray", "4 3");
        xml.WriteEndElement();
        Text(xml, x + 30, y + 10, "unplug timeout running", "legend-label", size: 10);
        x += 170;
        foreach (var (colour, label) in new[] { ("#2e7d32", "completed"), ("#e65100", "timed out"), ("#b71c1c", "rejected by guest"), ("#455a64", "cancelled") })
        {
            xml.WriteStartElement("circle");
            Attr(xml, "cx", x + 6);
            Attr(xml, "cy", y + 6);
            Attr(xml, "r", 6);
            xml.WriteAttributeString("fill", colour);
            xml.WriteEndElement();
            Text(xml, x + 16, y + 10, label, "legend-label", size: 10);
            x += 30 + (label.Length * 5.6);
        }

        xml.WriteStartElement("path");
        xml.WriteAttributeString("d", string.Create(CultureInfo.InvariantCulture, $"M {N(x)} {N(y + 2)} L {N(x + 10)} {N(y + 2)} L {N(x + 5)} {N(y + 10)} Z"));
        xml.WriteAttributeString("fill", "#1565c0");
        xml.WriteEndElement();
        Text(xml, x + 16, y + 10, "hotplug event queued", "legend-label", size: 10);
        xml.WriteEndElement();
    }

    private static string StateColour(DrcState state) => state switch
    {
        DrcState.LogicalUnusable or DrcState.PhysicalPowerOn => "#cfd8dc",
        DrcState.LogicalAvailable => "#fff59d",
        DrcState.LogicalUnisolate or DrcState.PhysicalUnisolate => "#90caf9",
        DrcState.LogicalConfigured or DrcState.PhysicalConfigured => "#81c784",
        _ => "#e0e0e0",
    };

    /// <summary>A round tick step giving at most about 12 ticks.</summary>
    private static long TickStep(long endMs)
    {
        foreach (long step in new long[] { 100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000 })
        {
            if (endMs / step <= 12)
            {
                return step;
            }
        }

        return Math.Max(1, endMs / 12);
    }

    private static void Rect(XmlWriter xml, double x, double y, double w, double h, string fill, string cls)
    {
        xml.WriteStartElement("rect");
        xml.WriteAttributeString("class", cls);
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        Attr(xml, "width", w);
        Attr(xml, "height", h);
        xml.WriteAttributeString("fill", fill);
        xml.WriteEndElement();
    }

    private static void Line(XmlWriter xml, double x1, double y1, double x2, double y2, string stroke, string cls)
    {
        xml.WriteStartElement("line");
        xml.WriteAttributeString("class", cls);
        Attr(xml, "x1", x1);
        Attr(xml, "y1", y1);
        Attr(xml, "x2", x2);
        Attr(xml, "y2", y2);
        xml.WriteAttributeString("stroke", stroke);
        xml.WriteEndElement();
    }

    private static void Text(XmlWriter xml, double x, double y, string text, string cls, bool bold = false, int size = 12, string fill = "#212121")
    {
        xml.WriteStartElement("text");
        xml.WriteAttributeString("class", cls);
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        xml.WriteAttributeString("fill", fill);
        if (size != 12)
        {
            xml.WriteAttributeString("font-size", size.ToString(CultureInfo.InvariantCulture));
        }

        if (bold)
        {
            xml.WriteAttributeString("font-weight", "bold");
        }

        xml.WriteString(text);
        xml.WriteEndElement();
    }

    private static void Attr(XmlWriter xml, string name, double value) => xml.WriteAttributeString(name, N(value));

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string End(long ms) => ms.ToString(CultureInfo.InvariantCulture);
}
