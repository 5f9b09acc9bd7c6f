using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Async;
using EporeX.Tests.Support;

namespace EporeX.Tests.Pipelines;

/// <summary>
/// Ending a connection is routine, not an error: disposing or aborting a pipe whose receiver (and sender)
/// waits for readiness throws no exception but the abort's reason, into the application's read. A thrown exception costs tens of microseconds, as much
/// as the rest of a short connection's life, and a server that closes thousands of connections a second
/// would pay it on each. Counted through first-chance exceptions, so the tests run alone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class DescriptorPipeDisposalTests
{
    private const int Pipes = 32;

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Disposing_pipes_that_wait_to_receive_throws_nothing(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var thrown = new PipeExceptionCounter(expected: null);
        for (var i = 0; i < Pipes; i++)
        {
            var (client, server) = Loopback.ConnectedPair();
            using (client)
            {
                var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
                await pipe.Output.WriteAsync(new byte[] { 1, 2, 3 }); // sent at once: DisposeAsync has nothing to wait for
                var read = pipe.Input.ReadAsync(); // nothing comes: the receiver waits for readability
                Assert.False(read.IsCompleted);

                await pipe.DisposeAsync().AsTask().WaitAsync(Waiting.Long);

                var end = await read.AsTask().WaitAsync(Waiting.Long); // as a Pipe: the read ends, it does not fail
                Assert.True(end.IsCompleted);
                Assert.Equal(3, client.Receive(new byte[4]));
            }
        }

        Assert.Equal(0, loop.Count);
        Assert.True(thrown.Thrown.Length == 0, string.Join("\n\n", thrown.Thrown));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Aborting_pipes_that_wait_to_receive_and_to_send_throws_only_the_reason_into_the_application(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var reason = new OperationCanceledException("test abort");
        using var thrown = new PipeExceptionCounter(expected: reason);
        for (var i = 0; i < Pipes; i++)
        {
            var (client, server) = Loopback.ConnectedPair();
            using (client)
            {
                var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
                var read = pipe.Input.ReadAsync().AsTask();
                var flush = i % 2 == 0 ? FillUntilTheSenderWaits(pipe, client) : Task.CompletedTask; // a peer that does not read
                pipe.Abort(reason);
                Assert.Same(reason, await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Waiting.Long)));
                await pipe.Completion.WaitAsync(Waiting.Long);
                await flush.WaitAsync(Waiting.Long);
            }
        }

        Assert.Equal(0, loop.Count);
        Assert.True(thrown.Thrown.Length == 0, string.Join("\n\n", thrown.Thrown));
    }

    /// <summary>Writes and flushes until the flush waits: the socket's buffers are full and the sender waits for writability.</summary>
    private static Task FillUntilTheSenderWaits(DescriptorPipe pipe, Socket client)
    {
        var block = new byte[256 << 10];
        var deadline = DateTime.UtcNow + Waiting.Long;
        while (DateTime.UtcNow < deadline)
        {
            pipe.Output.Write(block);
            var flush = pipe.Output.FlushAsync();
            if (!flush.IsCompleted)
            {
                SpinWait.SpinUntil(() => client.Available > 0, Waiting.Long); // the sender has sent, then met a full buffer
                return flush.AsTask();
            }
        }

        throw new TimeoutException("the pipe's output never pushed back");
    }

    /// <summary>Counts first-chance exceptions thrown on any thread inside EporeX's pipes or readiness cells, but for the one the test expects.</summary>
    private sealed class PipeExceptionCounter : IDisposable
    {
        private readonly Exception? _expected;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _seen = new();

        public PipeExceptionCounter(Exception? expected)
        {
            _expected = expected;
            AppDomain.CurrentDomain.FirstChanceException += OnThrown;
        }

        /// <summary>The exceptions counted, each with the stack it was thrown from (empty when none was).</summary>
        public string[] Thrown => _seen.ToArray();

        public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnThrown;

        private void OnThrown(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (ReferenceEquals(e.Exception, _expected))
            {
                return;
            }

            var stack = Environment.StackTrace;
            if (stack.Contains("EporeX.DescriptorPipe", StringComparison.Ordinal) || stack.Contains("EporeX.Readiness", StringComparison.Ordinal))
            {
                _seen.Enqueue($"{e.Exception.GetType().Name}: {e.Exception.Message}\n{stack}");
            }
        }
    }
}
