namespace EporeX;

/// <summary>
/// One attempt at a non-blocking operation on a descriptor (a recvfrom, an accept, an ioctl, a read of a
/// device…), for <see cref="ReadyGuard.TryIo{TState, TResult}"/> and <see cref="AsyncFd.IoAsync{TState, TResult}"/>:
/// tokio's <c>try_io</c> closure. Pass a static lambda and put what it needs in <paramref name="state"/>,
/// so that no closure is allocated.
/// </summary>
/// <remarks>
/// It must not block, as tokio requires. Registering switches a descriptor to O_NONBLOCK, except a
/// socket, whose mode is left as it is (EporeX's own reads and writes pass MSG_DONTWAIT): before calling
/// <see cref="System.Net.Sockets.Socket"/> methods here, set <c>socket.Blocking = false</c>, or readiness
/// that another waiter consumed first, or a spurious event, blocks the calling thread.
/// </remarks>
/// <param name="state">What the operation needs (the descriptor, a buffer…).</param>
/// <param name="result">The operation's result when it returns true.</param>
/// <returns>
/// False when the operation would block (EAGAIN or EWOULDBLOCK): the readiness was stale. True when it
/// completed, whatever its outcome; report a failure by throwing or in <paramref name="result"/>.
/// </returns>
/// <typeparam name="TState">The type of <paramref name="state"/>.</typeparam>
/// <typeparam name="TResult">The type of the result.</typeparam>
public delegate bool NonBlockingOperation<in TState, TResult>(TState state, out TResult result);
