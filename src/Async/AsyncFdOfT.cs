using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EporeX;

/// <summary>
/// An <see cref="AsyncFd"/> that keeps the object it was given (a <see cref="Socket"/>, a
/// <see cref="SafeHandle"/>…) and gives it back: tokio's <c>AsyncFd&lt;T&gt;</c>, with <see cref="Inner"/>
/// for <c>get_ref</c> and <see cref="IntoInner"/> for <c>into_inner</c>.
/// </summary>
/// <typeparam name="T">The type of the object that holds the descriptor.</typeparam>
public sealed class AsyncFd<T> : AsyncFd
    where T : class
{
    private T? _inner;

    internal AsyncFd(EventLoop loop, IoRegistration registration, T inner)
        : base(loop, registration) => _inner = inner;

    /// <summary>The object the descriptor belongs to, for calls of its own (socket options, <c>Socket.LocalEndPoint</c>…).</summary>
    /// <exception cref="ObjectDisposedException">It was disposed, or given back with <see cref="IntoInner"/>.</exception>
    public T Inner => _inner ?? throw new ObjectDisposedException(nameof(AsyncFd), "The AsyncFd is disposed, or its object was given back.");

    /// <summary>
    /// Deregisters the descriptor, fails every pending await with <see cref="ObjectDisposedException"/>, and
    /// gives the object back without closing it; the AsyncFd is disposed from then on.
    /// </summary>
    /// <exception cref="ObjectDisposedException">It was already disposed or given back.</exception>
    public T IntoInner()
    {
        var inner = Inner;
        return Release(closeOwned: false)
            ? inner
            : throw new ObjectDisposedException(nameof(AsyncFd), "The AsyncFd is disposed, or its object was given back.");
    }

    private protected override void OnReleased() => _inner = null;
}
