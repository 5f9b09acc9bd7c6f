using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;

namespace EporeX.FaultDriver;

/// <summary>
/// What a scenario runs with: the backend, the errno it must survive as typed refusals (none: any error
/// fails the run), the report, and the one place where refusals are recognised, counted and retried.
/// </summary>
internal sealed class ScenarioContext(string backend, int[] refusals, Report report)
{
    /// <summary>A run ends by itself within this, or it is reported as a hang.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    /// <summary>How long the scenario's traffic may take in all; well inside <see cref="Bound"/>.</summary>
    public static readonly TimeSpan Traffic = TimeSpan.FromSeconds(35);

    private const int Attempts = 50;

    public string Backend { get; } = backend;

    /// <summary>
    /// The errno values the injected call may surface as (EMFILE, ENOMEM, ENOBUFS, EPIPE; more than one
    /// where a layer reports it as another: libkqueue's EVFILT_USER says EBADF for an eventfd it could not open).
    /// </summary>
    public int[] Refusals { get; } = refusals;

    public Report Report { get; } = report;

    /// <summary>
    /// A live child process (sleep 60) for the ProcessExitSource, which the scenario ends with
    /// <see cref="EndChild"/> once it watches it (an exited child is reported without a pidfd, which
    /// would test nothing): started by the main thread before strace attaches, so that the runtime's own
    /// fork and pipe2 are not injected.
    /// </summary>
    public required System.Diagnostics.Process Child { get; init; }

    /// <summary>Set by the scenario once its helper threads exist (<see cref="AwaitGo"/>).</summary>
    public ManualResetEventSlim Prepared { get; } = new();

    /// <summary>Set by the driver once strace is attached (or at once without <c>--await-tracer</c>).</summary>
    public ManualResetEventSlim Go { get; } = new();

    /// <summary>Called by a scenario after <see cref="Background.Prepare"/>: says it is ready, and waits for the tracer.</summary>
    public void AwaitGo()
    {
        Prepared.Set();
        Go.Wait();
        Report.Stage = "started";
    }

    public void EndChild() => Child.Kill();

    public Poll OpenPoll() => EventQueue.CreateFactory(new EventQueueOptions { Backend = Backend }).CreatePoll();

    public EventLoop OpenLoop() => new(new EventLoopOptions { Backend = Backend });

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds. A refusal with the expected errno, in its documented
    /// type (<see cref="EventQueueException"/> from the library, <see cref="SocketException"/> from a
    /// socket call), is counted and retried: the injection refuses some calls, never all. When
    /// <paramref name="baseline"/> is given, each refusal must have left exactly those descriptors open.
    /// Anything else propagates and fails the run.
    /// </summary>
    public T Refusable<T>(string what, Func<T> call, SortedSet<int>? baseline = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            Report.Stage = what;
            try
            {
                return call();
            }
            catch (Exception e) when (IsRefusal(e) && attempt < Attempts)
            {
                Report.Add("refused");
                if (baseline is not null)
                {
                    OpenDescriptors.ExpectBackTo(baseline, $"a refused {what}");
                    Report.Add("leakChecks");
                }
            }
        }
    }

    public void Refusable(string what, Action call, SortedSet<int>? baseline = null) =>
        Refusable(what, () =>
        {
            call();
            return 0;
        }, baseline);

    /// <summary>True when <paramref name="e"/> is the documented form of the injected errno.</summary>
    public bool IsRefusal(Exception e) => Array.Exists(Refusals, errno => e switch
    {
        EventQueueException q => q.Errno == errno,
        SocketException s => s.SocketErrorCode == ErrnoNames.AsSocketError(errno),
        _ => false,
    });
}
