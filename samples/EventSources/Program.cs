using System;
using EporeX;
using EporeX.Samples.EventSources;

// One Poll, one Wait, four kinds of event: loopback sockets (a tiny echo server), a periodic timer, a
// child process's exit, and SIGTERM, which stops the loop cleanly.
//   EventSources [--backend epoll|kqueue|poll] [--self-test]
// --self-test also plays the client, and sends itself SIGTERM once it has seen an echo, ten ticks and the
// child's exit: exit status 0 means every kind of event arrived through the same Wait.
string? backend = null;
var selfTest = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--backend" when i + 1 < args.Length:
            backend = args[++i];
            break;
        case "--self-test":
            selfTest = true;
            break;
        default:
            Console.Error.WriteLine("usage: EventSources [--backend epoll|kqueue|poll] [--self-test]");
            return 2;
    }
}

using var poll = EventQueue.CreateFactory(new EventQueueOptions { Backend = backend }).CreatePoll();
using var loop = new SourceLoop(poll, selfTest);
Console.WriteLine($"backend {poll.Backend}; echo on 127.0.0.1:{loop.Port}; Ctrl-C or SIGTERM stops");
var ok = loop.Run(TimeSpan.FromSeconds(30));
Console.WriteLine($"stopped: {loop.Summary}");
return ok ? 0 : 1;
