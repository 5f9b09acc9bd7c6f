using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX;
using EporeX.Bench.EchoBench;

// The echo server of the peer table (bench/run-peers.sh, bench/churn.sh), in every strategy measured there;
// the samples a user copies are samples/EchoServer and samples/AsyncEchoServer.
// A TCP echo server on 127.0.0.1: one event loop per thread (--loops N share the port through
// SO_REUSEPORT), each a Poll that waits on its listening socket and its connections. It stops on
// SIGINT/SIGTERM or when its lifetime ends. Nothing is written to stdout. With --async the same service is
// written with async/await on an EventLoop instead (AsyncEchoServer.cs).
if (EchoOptions.Parse(args) is not { } options)
{
    Console.Error.WriteLine(EchoOptions.Usage);
    return 2;
}

if (options.Async)
{
    return AsyncEchoProgram.Run(options); // one EventLoop, an async handler per connection
}

EventQueueFactory factory;
try
{
    factory = EventQueue.CreateFactory(new EventQueueOptions { Backend = options.Backend });
}
catch (EventQueueUnavailableException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

var loops = new List<EchoLoop>();
try
{
    for (var i = 0; i < options.Loops; i++)
    {
        loops.Add(new EchoLoop(factory.CreatePoll(), options.Port, reusePort: options.Loops > 1));
    }
}
catch (Exception e) when (e is System.Net.Sockets.SocketException or EventQueueException)
{
    Console.Error.WriteLine($"echo server: cannot start on 127.0.0.1:{options.Port}: {e.Message}");
    loops.ForEach(l => l.Dispose());
    return 1;
}

void StopAll(PosixSignalContext context)
{
    context.Cancel = true; // the loops end, then Main returns
    loops.ForEach(l => l.Stop());
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopAll);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopAll);

var deadline = Environment.TickCount64 + options.Seconds * 1000L;
var threads = new List<Thread>();
for (var i = 1; i < loops.Count; i++)
{
    var loop = loops[i];
    var thread = new Thread(() => loop.Run(deadline)) { Name = $"echo loop {i}", IsBackground = true };
    thread.Start();
    threads.Add(thread);
}

Console.Error.WriteLine($"echo server: 127.0.0.1:{options.Port}, backend {loops[0].Backend}, {loops.Count} loop(s), {options.Seconds} s");
loops[0].Run(deadline);
threads.ForEach(t => t.Join());
loops.ForEach(l => l.Dispose());
return 0;
