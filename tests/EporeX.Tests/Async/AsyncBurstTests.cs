using System;
using System.Linq;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// What a user of the loop sees when more descriptors become ready at once than one wait of the loop
/// takes (<see cref="EventLoopOptions.EventCapacity"/>): hundreds of pipes, registered and awaited while
/// the loop thread waits, then written at once. Every awaited read must complete; one that does not is
/// a readiness the backend lost, and that caller would hang for ever.
/// </summary>
public sealed class AsyncBurstTests
{
    private const int Rounds = 4;

    /// <summary>Every backend with a small, a middling and the default capacity, each with the burst that overflows it.</summary>
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var backend in Backends.All())
        {
            data.Add(backend, 4, 300);
            data.Add(backend, 16, 300);
            data.Add(backend, EventLoopOptions.DefaultEventCapacity, 1000);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Every_awaited_read_of_a_burst_completes(string backend, int capacity, int pipes)
    {
        using var loop = new EventLoop(Backends.Open(backend), new EventLoopOptions { EventCapacity = capacity });
        for (var round = 0; round < Rounds; round++)
        {
            // Even rounds register and await every pipe, then write them all; odd rounds register, await and
            // write one pipe after another, as a server accepting a burst of connections does. Either way
            // the loop thread is waiting while registrations change and readiness piles up.
            var ends = Enumerable.Range(0, pipes).Select(_ => new TestPipe()).ToArray();
            var fds = new AsyncFd?[pipes];
            var reads = new Task<int>[pipes];
            try
            {
                for (var i = 0; i < pipes; i++)
                {
                    var fd = loop.Register(ends[i].Read, Interest.Readable, leaveOpen: true);
                    fds[i] = fd;
                    reads[i] = fd.ReadAsync(new byte[8]).AsTask();
                    if (round % 2 == 1)
                    {
                        ends[i].Write(1);
                    }
                }

                if (round % 2 == 0)
                {
                    foreach (var pipe in ends)
                    {
                        pipe.Write(1);
                    }
                }

                try
                {
                    await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(20)); // generous: ends as soon as all complete
                }
                catch (TimeoutException)
                {
                    var lost = reads.Count(r => !r.IsCompleted);
                    Assert.Fail($"{backend}, capacity {capacity}, round {round}: {lost} of {pipes} awaited reads never completed although their pipes hold data");
                }

                Assert.All(reads, r => Assert.Equal(1, r.Result));
            }
            finally
            {
                foreach (var fd in fds)
                {
                    fd?.Dispose();
                }

                foreach (var pipe in ends)
                {
                    pipe.Dispose();
                }
            }
        }
    }
}
