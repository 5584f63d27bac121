using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Qemu;

/// <summary>
/// One running qemu-system-ppc64 pSeries guest (TCG, multi-threaded: single-threaded TCG aborts on CPU unplug)
/// booting the recorder's kernel and initramfs. Four channels: the guest console (hvc0, QEMU's stdio) where the
/// host runs shell commands; a second console (hvc1, a Unix socket) carrying the guest's kprobe trace; QMP; and
/// QEMU's own trace log on stderr (spapr_drc_* state changes and every QMP reply and event, in QEMU's order).
/// </summary>
internal sealed class GuestMachine : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly Socket _traceSocket;
    private int _commands;
    private bool _disposed;

    private GuestMachine(Process process, Socket traceSocket, QmpChannel qmp, LineLog console, LineLog guestTrace, LineLog qemuLog, string commandLine)
    {
        _process = process;
        _traceSocket = traceSocket;
        Qmp = qmp;
        Console = console;
        GuestTrace = guestTrace;
        QemuLog = qemuLog;
        CommandLine = commandLine;
    }

    public QmpChannel Qmp { get; }

    public LineLog Console { get; }

    public LineLog GuestTrace { get; }

    public LineLog QemuLog { get; }

    /// <summary>The QEMU command line with the run's file paths reduced to file names (it goes into fixtures).</summary>
    public string CommandLine { get; }

    public static string Binary => Environment.GetEnvironmentVariable("QEMU") is { Length: > 0 } q ? q : "qemu-system-ppc64";

    public static GuestMachine Boot(MachineShape shape, GuestImage image, string workDirectory, TimeSpan bootTimeout)
    {
        string qmpPath = Path.Combine(workDirectory, "qmp.sock");
        string tracePath = Path.Combine(workDirectory, "trace.sock");
        using var qmpListener = Listen(qmpPath);
        using var traceListener = Listen(tracePath);
        // x-vof=on: QEMU's Virtual Open Firmware boots the kernel in seconds where SLOF takes 10 to 16 s under TCG;
        // RTAS and client-architecture-support reach QEMU the same way, and the traces came out byte-identical.
        string[] args =
        [
            "-machine", "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,x-vof=on",
            "-cpu", "power9_v2.0", "-accel", "tcg,thread=multi",
            .. shape.Arguments(),
            "-nodefaults", "-display", "none", "-monitor", "none",
            "-chardev", "stdio,id=console,signal=off", "-device", "spapr-vty,chardev=console",
            "-chardev", "socket,id=ktrace,path=" + tracePath, "-device", "spapr-vty,chardev=ktrace",
            "-chardev", "socket,id=qmp,path=" + qmpPath, "-mon", "chardev=qmp,mode=control",
            "-kernel", image.Vmlinux, "-initrd", image.Initrd, "-append", "console=hvc0 quiet",
            "-msg", "timestamp=off",
            "-trace", "enable=spapr_drc_*", "-trace", "enable=qmp_enter_device_del", "-trace", "enable=monitor_qmp_respond",
        ];
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        string shown = string.Join(' ', args.Select(a => Shorten(a, workDirectory, image)));
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new RealGuestException("QEMU did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new RealGuestException($"'{Binary}' cannot be run ({ex.Message}): install qemu-system-ppc (QEMU 7.2).", ex);
        }

        var console = new LineLog("console", Path.Combine(workDirectory, "console.log"));
        var qemuLog = new LineLog("qemu", Path.Combine(workDirectory, "qemu-trace.log"));
        var guestTrace = new LineLog("kprobes", Path.Combine(workDirectory, "guest-trace.log"));
        console.Start(process.StandardOutput.BaseStream);
        qemuLog.Start(process.StandardError.BaseStream);
        Socket? traceSocket = null;
        QmpChannel? qmp = null;
        try
        {
            string Why() => $"QEMU {(process.HasExited ? "exited with " + process.ExitCode.ToString(CultureInfo.InvariantCulture) : "is running")}; stderr: {qemuLog.Tail(6)}";
            traceSocket = Accept(traceListener, process, Why);
            guestTrace.Start(new NetworkStream(traceSocket, ownsSocket: false));
            qmp = new QmpChannel(Accept(qmpListener, process, Why));
            qmp.Negotiate();
            var machine = new GuestMachine(process, traceSocket, qmp, console, guestTrace, qemuLog, shown);
            // Contains, not StartsWith: the marker can follow the kernel's unfinished banner on the same line.
            if (console.WaitFor(l => l.Contains(GuestInitScript.ReadyMarker, StringComparison.Ordinal), 0, bootTimeout) < 0)
            {
                string reason =
                    $"QEMU did not boot the guest within {bootTimeout.TotalSeconds} s (no {GuestInitScript.ReadyMarker} on the console). " +
                    $"{Why()}; console: {console.Tail(8)}";
                machine.Dispose();
                throw new RealGuestException(reason);
            }

            return machine;
        }
        catch (Exception) when (qmp is null || traceSocket is null)
        {
            KillQuietly(process);
            qmp?.Dispose();
            traceSocket?.Dispose();
            console.Dispose();
            qemuLog.Dispose();
            guestTrace.Dispose();
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs one shell command line in the guest and returns its output lines and exit status. The command must not
    /// end in '&amp;' (wrap background jobs in parentheses). Kernel messages are silenced, so the output is the command's.
    /// </summary>
    public (int Status, IReadOnlyList<string> Output) Run(string command, TimeSpan timeout)
    {
        int n = Interlocked.Increment(ref _commands);
        string begin = string.Create(CultureInfo.InvariantCulture, $"RG-BEGIN-{n}");
        string end = string.Create(CultureInfo.InvariantCulture, $"RG-END-{n} ");
        int from = Console.Count;
        try
        {
            _process.StandardInput.Write($"echo {begin}; {command}; echo {end}$?\n");
            _process.StandardInput.Flush();
        }
        catch (IOException ex)
        {
            throw new RealGuestException($"The guest console is closed (QEMU exited?) before '{command}'.", ex);
        }

        int last = Console.WaitFor(l => l.StartsWith(end, StringComparison.Ordinal), from, timeout);
        if (last < 0)
        {
            throw new RealGuestException($"The guest did not finish '{command}' within {timeout.TotalSeconds} s; console: {Console.Tail(6)}");
        }

        var lines = Console.Slice(from, last + 1);
        int first = lines.ToList().FindIndex(l => l == begin);
        int status = int.Parse(lines[^1][end.Length..].Trim(), CultureInfo.InvariantCulture);
        return (status, lines.Skip(first + 1).Take(lines.Count - first - 2).ToList());
    }

    /// <summary>Runs a command that must succeed.</summary>
    public IReadOnlyList<string> RunChecked(string command, TimeSpan timeout)
    {
        var (status, output) = Run(command, timeout);
        if (status != 0)
        {
            throw new RealGuestException($"Guest command '{command}' failed with status {status}: {string.Join(" | ", output)}");
        }

        return output;
    }

    /// <summary>CPU time QEMU has used so far (read before it exits; afterwards it is gone).</summary>
    public TimeSpan CpuTime()
    {
        try
        {
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    Qmp.Execute("quit");
                }
                catch (RealGuestException)
                {
                    // Already going away.
                }

                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    KillQuietly(_process);
                }
            }
        }
        finally
        {
            Qmp.Dispose();
            _traceSocket.Dispose();
            Console.Dispose();
            GuestTrace.Dispose();
            QemuLog.Dispose();
            _process.Dispose();
        }
    }

    private static Socket Listen(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(1);
        return socket;
    }

    private static Socket Accept(Socket listener, Process process, Func<string> why)
    {
        long deadline = Environment.TickCount64 + (long)ConnectTimeout.TotalMilliseconds;
        while (!listener.Poll(100_000, SelectMode.SelectRead))
        {
            if (process.HasExited || Environment.TickCount64 > deadline)
            {
                throw new RealGuestException($"QEMU did not start the machine (it never connected to {listener.LocalEndPoint}): {why()}");
            }
        }

        return listener.Accept();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>Run-specific paths become file names, so the recorded command line is the same on every machine.</summary>
    private static string Shorten(string argument, string workDirectory, GuestImage image)
    {
        string shown = argument
            .Replace(image.Vmlinux, Path.GetFileName(image.Vmlinux), StringComparison.Ordinal)
            .Replace(image.Initrd, Path.GetFileName(image.Initrd), StringComparison.Ordinal)
            .Replace(workDirectory + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal);
        return shown.Contains(' ', StringComparison.Ordinal) ? $"\"{shown}\"" : shown;
    }
}
