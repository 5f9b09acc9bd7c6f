using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>One bound, listening socket of a listener, its registration, and the loop that serves what it accepts.</summary>
internal sealed class ListeningSocket(Socket socket, AsyncFd fd, EventLoop? servingLoop)
{
    public Socket Socket { get; } = socket;

    /// <summary>Registered for <see cref="Interest.Readable"/>: a pending connection makes it readable.</summary>
    public AsyncFd Fd { get; } = fd;

    /// <summary>The loop its connections go to (one socket per loop), or null: the group's next loop (one acceptor).</summary>
    public EventLoop? ServingLoop { get; } = servingLoop;

    public Task AcceptLoop { get; set; } = Task.CompletedTask;

    /// <summary>A connection accepted while the queue was full, handed over once it has room.</summary>
    public AcceptedConnection? Pending { get; set; }

    /// <summary>Deregisters and closes the socket.</summary>
    public void Close()
    {
        Fd.Dispose(); // the AsyncFd owns the socket: deregisters, fails the accept awaits, then closes it
    }
}
