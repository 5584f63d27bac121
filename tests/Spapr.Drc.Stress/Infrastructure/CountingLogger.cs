using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>Counts log records per level and event id (Information and above), keeping the first error messages.</summary>
internal sealed class CountingLogger : ILogger
{
    private readonly ConcurrentDictionary<int, long> _byEventId = new();
    private readonly long[] _byLevel = new long[7];
    private readonly ConcurrentQueue<string> _errors = new();

    public long Errors => Interlocked.Read(ref _byLevel[(int)LogLevel.Error]) + Interlocked.Read(ref _byLevel[(int)LogLevel.Critical]);

    public long Warnings => Interlocked.Read(ref _byLevel[(int)LogLevel.Warning]);

    public IReadOnlyCollection<string> ErrorMessages => _errors;

    public long CountOf(int eventId) => _byEventId.TryGetValue(eventId, out var n) ? n : 0;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        Interlocked.Increment(ref _byLevel[(int)logLevel]);
        _byEventId.AddOrUpdate(eventId.Id, 1, static (_, n) => n + 1);
        if (logLevel >= LogLevel.Error && _errors.Count < 20)
        {
            _errors.Enqueue($"[{eventId.Id}] {formatter(state, exception)} {exception}");
        }
    }
}
