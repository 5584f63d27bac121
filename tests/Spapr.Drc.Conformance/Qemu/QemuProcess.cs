using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>
/// One paused pSeries QEMU: no firmware or kernel ever runs (-S); the test plays the guest through qtest RTAS
/// calls and the host through QMP. Each instance has its own temporary directory for the sockets and the tiny
/// loop firmware; disposal quits QEMU, kills it if it does not exit, and deletes the directory.
/// </summary>
internal sealed class QemuProcess : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private readonly DirectoryInfo _dir;
    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private bool _disposed;

    private QemuProcess(DirectoryInfo dir, Process process, StringBuilder stderr, QtestClient qtest, QmpClient qmp)
    {
        _dir = dir;
        _stderr = stderr;
        _process = process;
        Qtest = qtest;
        Qmp = qmp;
    }

    public QtestClient Qtest { get; private set; }

    public QmpClient Qmp { get; private set; }

    public string CommandLine { get; private set; } = string.Empty;

    /// <summary>Starts QEMU with the machine of the reference harness plus <paramref name="extraArgs"/> (cold-plugged devices).</summary>
    public static QemuProcess Start(IEnumerable<string> extraArgs)
    {
        if (QemuAvailability.Version is null)
        {
            throw new QemuException($"'{QemuAvailability.Binary}' cannot be run: install qemu-system-ppc (QEMU 7.2). CI={Environment.GetEnvironmentVariable("CI")}.");
        }

        var dir = Directory.CreateTempSubdirectory("qdrc-");
        string qtPath = Path.Combine(dir.FullName, "qt.sock");
        string qmpPath = Path.Combine(dir.FullName, "qmp.sock");
        string bios = Path.Combine(dir.FullName, "loop.bin");

        // Firmware whose entry point (0x100) branches to itself: harmless if a vCPU is ever started.
        var image = new byte[0x104];
        BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(0x100), 0x4800_0000);
        File.WriteAllBytes(bios, image);

        using var qtListener = Listen(qtPath);
        using var qmpListener = Listen(qmpPath);
        var psi = new ProcessStartInfo(QemuAvailability.Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "-machine", "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off",
            "-S", "-nodefaults", "-display", "none",
            "-m", "2G,slots=4,maxmem=8G", "-smp", "1,maxcpus=4", "-cpu", "power9_v2.0",
            "-qtest", "unix:" + qtPath, "-qtest-log", "/dev/null",
            "-chardev", "socket,id=qmp0,path=" + qmpPath, "-mon", "chardev=qmp0,mode=control",
            "-msg", "timestamp=off", "-bios", bios,
            .. extraArgs,
        ];
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = psi };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        if (!process.Start())
        {
            throw new QemuException("QEMU did not start.");
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        string Diagnostics()
        {
            lock (stderr)
            {
                return $"QEMU exited: {process.HasExited}{(process.HasExited ? " code " + process.ExitCode : string.Empty)}; stderr: {stderr}";
            }
        }

        try
        {
            var qt = new LineSocket(Accept(qtListener, process, Diagnostics), "qtest");
            var qmpSocket = new LineSocket(Accept(qmpListener, process, Diagnostics), "QMP");
            var qtest = new QtestClient(qt, Diagnostics);
            var qmp = new QmpClient(qmpSocket, Diagnostics);
            var result = new QemuProcess(dir, process, stderr, qtest, qmp) { CommandLine = string.Join(' ', args) };
            qmp.Negotiate();
            return result;
        }
        catch
        {
            Kill(process);
            process.Dispose();
            dir.Delete(recursive: true);
            throw;
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>True when the process has exited, or does so within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.HasExited || _process.WaitForExit(timeout);

    /// <summary>Kills QEMU as a crash would (the harness's own test of its crash retry).</summary>
    public void Kill() => _process.Kill();

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
                Qmp.SendQuit();
                if (!_process.WaitForExit(ExitTimeout))
                {
                    Kill(_process);
                }
            }
        }
        finally
        {
            Qmp.Dispose();
            Qtest.Dispose();
            _process.Dispose();
            try
            {
                _dir.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is not worth failing a scenario over.
            }
        }
    }

    private static Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(1);
        return socket;
    }

    private static Socket Accept(Socket listener, Process process, Func<string> diagnostics)
    {
        long deadline = Environment.TickCount64 + (long)ConnectTimeout.TotalMilliseconds;
        while (!listener.Poll(100_000, SelectMode.SelectRead))
        {
            if (process.HasExited || Environment.TickCount64 > deadline)
            {
                throw new QemuException($"QEMU did not connect to {listener.LocalEndPoint}. {diagnostics()}");
            }
        }

        return listener.Accept();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(ExitTimeout);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }
}
