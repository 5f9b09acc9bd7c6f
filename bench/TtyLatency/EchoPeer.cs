using System;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Bench.TtyLatency;

/// <summary>
/// The device at the far end of the line: a thread that echoes every byte written to the slave back to it.
/// It waits on the master with a plain EporeX <see cref="Poll"/>
/// and stops through a <see cref="Waker"/>, so it never sleeps or spins. Both contenders of the latency
/// table talk to this same peer.
/// </summary>
internal sealed class EchoPeer : IDisposable
{
    private static readonly Token MasterToken = new(1);
    private static readonly Token StopToken = new(2);

    private readonly SafeFileHandle _master;
    private readonly Poll _poll;
    private readonly Waker _waker;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public EchoPeer(SafeFileHandle master)
    {
        _master = master;
        _poll = EventQueue.CreatePoll();
        _poll.Registry.Register(master, MasterToken, Interest.Readable);
        _waker = new Waker(_poll.Registry, StopToken);
        _thread = new Thread(Run) { Name = "tty echo peer", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Bytes echoed so far.</summary>
    public long Echoed { get; private set; }

    public void Dispose()
    {
        _stopping = true;
        _waker.Wake();
        _thread.Join();
        _waker.Dispose();
        _poll.Dispose();
    }

    private void Run()
    {
        var events = new Events(4);
        var buffer = new byte[4096];
        while (!_stopping)
        {
            _poll.Wait(events, timeout: null);
            if (_stopping)
            {
                return;
            }

            while (Read(buffer) is var n && n > 0)
            {
                WriteAll(buffer.AsSpan(0, n));

                Echoed += n;
            }
        }
    }

    private unsafe int Read(byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            // -1 with EAGAIN: drained. EIO: no slave is open at the moment (Linux); the next open resumes it.
            return (int)PtyNative.read((int)_master.DangerousGetHandle(), p, (nuint)buffer.Length);
        }
    }

    private unsafe void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length && !_stopping)
            {
                var n = (int)PtyNative.write((int)_master.DangerousGetHandle(), p + done, (nuint)(data.Length - done));
                if (n > 0)
                {
                    done += n;
                }
                else
                {
                    Thread.Sleep(1); // the slave's input queue is full (nobody reads): a line discipline limit, rare here
                }
            }
        }
    }
}
