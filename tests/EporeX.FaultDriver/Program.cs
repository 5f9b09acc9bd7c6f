using System;
using System.Diagnostics;
using System.Threading;
using EporeX.FaultDriver;

// One scenario per run:  EporeX.FaultDriver --scenario NAME --backend epoll|kqueue|poll [--refusal ERRNO] [--await-tracer yes]
// With --await-tracer it prints "fault-driver ready pid=N" after its warm-up and runs the scenario once
// strace has attached to it (see Tracer).
// Prints one line "fault-driver scenario=… backend=… result=pass|fail|hang|usage key=value…" and exits
// 0 (pass), 1 (a violated expectation), 2 (usage) or 3 (it did not end within the time bound).
string? scenario = null;
string? backend = null;
string? refusal = null;
var awaitTracer = false;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--scenario": scenario = args[i + 1]; break;
        case "--backend": backend = args[i + 1]; break;
        case "--refusal": refusal = args[i + 1]; break;
        case "--await-tracer": awaitTracer = args[i + 1] == "yes"; break;
        default: scenario = null; i = args.Length; break;
    }
}

if (scenario is null || backend is null || !Catalogue.TryGet(scenario, out var run))
{
    Console.WriteLine($"fault-driver result=usage scenarios={string.Join(",", Catalogue.Names)}");
    return 2;
}

var report = new Report(scenario, backend);
// The runtime's own first-use work, done here on the main thread before the scenario's thread starts:
// its signal handling (a pipe, a thread) and a child process (fork, pipe2). strace counts `when=` per
// thread, so the scenario thread's count then starts with its own calls.
using (System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGCONT, static _ => { }))
{
}

// Its output is redirected so that it never holds the driver's own stdout and stderr, whose end the test waits for.
var child = Process.Start(new ProcessStartInfo("/bin/sleep", "60") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    try
    {
        child.Kill(); // a scenario that did not end it (a no-op once it has)
    }
    catch (InvalidOperationException)
    {
        // no longer ours to end
    }

    child.Dispose();
};
var context = new ScenarioContext(backend, refusal is null ? [] : ErrnoNames.ParseList(refusal), report) { Child = child };
// Loads the assemblies, probes the backends and lets libkqueue open its process-wide descriptors, so that
// the scenario's descriptor baselines hold only what stays open.
try
{
    if (!Catalogue.MakesFirstPoll(scenario))
    {
        context.Refusable("warm-up Poll", context.OpenPoll).Dispose();
        context.Refusable("warm-up EventLoop", context.OpenLoop).Dispose();
    }

    using var listener = context.Refusable("warm-up Socket", Loopback.Listen);
    using var client = context.Refusable("warm-up Socket", () => Loopback.Connect(listener));
    context.Refusable("warm-up accept", listener.Accept).Dispose();
}
catch (Exception e)
{
    Console.WriteLine(report.Line("fail", $"warm-up: {e.GetType().Name}: {e.Message}"));
    return 1;
}

if (!Catalogue.EndsChild(scenario))
{
    child.Kill();
    child.WaitForExit();
}

// The scenario's thread starts now and prepares its helper threads, then waits for the tracer: no thread
// is created once strace injects (see Background).
Exception? failure = null;
var worker = new Thread(() =>
{
    try
    {
        run(context);
    }
    catch (Exception e)
    {
        failure = e;
    }
    finally
    {
        context.Prepared.Set();
    }
})
{ IsBackground = true, Name = "fault-scenario" }; // a thread of its own: strace counts `when=` per thread
worker.Start();
context.Prepared.Wait();
if (awaitTracer)
{
    Console.WriteLine($"fault-driver ready pid={Environment.ProcessId}");
    Console.Out.Flush();
    if (!Tracer.AwaitAttach(ScenarioContext.Bound))
    {
        Console.WriteLine(report.Line("fail", $"no tracer attached within {ScenarioContext.Bound.TotalSeconds} s"));
        return 1;
    }
}

var clock = Stopwatch.StartNew();
context.Go.Set();
if (!worker.Join(ScenarioContext.Bound))
{
    Console.WriteLine(report.Line("hang", $"did not end within {ScenarioContext.Bound.TotalSeconds} s; at: {report.Stage}"));
    Console.Out.Flush();
    Environment.Exit(3); // the scenario thread may be stuck in a call: do not wait for it
}

report.Set("ms", clock.ElapsedMilliseconds);
if (failure is null)
{
    Console.WriteLine(report.Line("pass", null));
    return 0;
}

Console.WriteLine(report.Line("fail", $"{failure.GetType().Name}: {failure.Message} (at: {report.Stage})"));
Console.Error.WriteLine(failure);
return 1;
