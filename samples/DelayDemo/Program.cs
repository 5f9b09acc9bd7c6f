using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using EporeX;
using EporeX.Samples.DelayDemo;

// The main job: one Poll watches N requests in flight at once and prints each answer as it arrives.
// A delay server of our own (also one Poll, on its own thread) answers each request after the delay the
// request names, so the answers come back out of order and the whole run takes about the longest delay,
// not the sum of them.
var count = 8;
string? backend = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--count" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n is > 0 and <= 1000:
            count = n;
            i++;
            break;
        case "--backend" when i + 1 < args.Length:
            backend = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: DelayDemo [--count N (1..1000, default 8)] [--backend epoll|kqueue|poll|auto]");
            return 2;
    }
}

EventQueueFactory factory;
try
{
    factory = EventQueue.CreateFactory(new EventQueueOptions { Backend = backend });
}
catch (EventQueueUnavailableException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

Console.WriteLine(factory.Report);

// Delays 100, 200, … ms, shuffled with a fixed seed so that sending order and answer order differ.
var delays = Enumerable.Range(1, count).Select(i => i * 100).ToArray();
new Random(2026).Shuffle(delays);

using var server = DelayServer.Start(factory);
Console.WriteLine($"delay server on {server.EndPoint}; sending {count} requests at once: {string.Join(", ", delays.Select(d => $"{d} ms"))}");

var clock = Stopwatch.StartNew();
using var poll = factory.CreatePoll();
var answers = DelayClient.Run(poll, server.EndPoint, delays, (request, answer, elapsed) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"[{poll.Backend}] {elapsed.TotalMilliseconds,7:F1} ms  request #{request} ({delays[request]} ms) -> {answer}")));
clock.Stop();

var longest = delays.Max();
var sum = delays.Sum();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{answers} answers in {clock.Elapsed.TotalMilliseconds:F0} ms on {poll.Backend}: the longest delay was {longest} ms, the sum {sum} ms."));
return answers == count ? 0 : 1;
