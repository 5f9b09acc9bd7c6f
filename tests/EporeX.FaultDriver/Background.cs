using System;
using System.Threading;

namespace EporeX.FaultDriver;

/// <summary>
/// A helper thread, started before strace attaches and parked until it is given its work: the runtime
/// starts a thread with a write(2) of its own and aborts the process when that write fails ("ResumeThread
/// failed"), so a scenario run under a fault injected into every write creates no thread once traced.
/// Its failure fails the run when it is joined.
/// </summary>
internal sealed class Background
{
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _given = new();
    private Action? _work;
    private Exception? _failure;

    private Background(string name)
    {
        _thread = new Thread(() =>
        {
            _given.Wait();
            try
            {
                _work!();
            }
            catch (Exception e)
            {
                _failure = e;
            }
        })
        { IsBackground = true, Name = name };
        _thread.Start();
    }

    public static Background Prepare(string name) => new(name);

    public void Run(Action work)
    {
        _work = work;
        _given.Set();
    }

    /// <summary>Waits for it (within the traffic bound) and rethrows its failure.</summary>
    public void Join()
    {
        Expect.True(_thread.Join(ScenarioContext.Traffic), $"thread {_thread.Name} did not end");
        if (_failure is not null)
        {
            throw new ExpectationException($"thread {_thread.Name}: {_failure.Message}");
        }
    }
}
