using System;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Support;

/// <summary>
/// A descriptor to register ("local") and the far end that makes it ready ("peer"): a socketpair
/// (registered as a raw fd), a pipe (registered through a SafeFileHandle) or loopback TCP (registered as
/// a Socket), so that all three Registry overloads run in every conformance test.
/// </summary>
public abstract class Endpoint : IDisposable
{
    public const string SocketPair = "socketpair";
    public const string Pipe = "pipe";
    public const string Tcp = "tcp";

    public static readonly string[] ReadableKinds = [SocketPair, Pipe, Tcp];
    public static readonly string[] DuplexKinds = [SocketPair, Tcp];

    public abstract string Kind { get; }

    /// <summary>The registered descriptor.</summary>
    public abstract int LocalFd { get; }

    /// <summary>The descriptor the test writes into to make the local one readable.</summary>
    public abstract int PeerFd { get; }

    public static Endpoint Create(string kind) => kind switch
    {
        SocketPair => new SocketPairEndpoint(),
        Pipe => new PipeEndpoint(),
        Tcp => new TcpEndpoint(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public abstract void Register(Registry registry, Token token, Interest interest, PollMode mode = PollMode.Level);

    public abstract void Reregister(Registry registry, Token token, Interest interest, PollMode mode = PollMode.Level);

    public abstract void Deregister(Registry registry);

    public void PeerWrite(int bytes = 1) => Assert.Equal(bytes, Native.WriteBytes(PeerFd, bytes));

    public int LocalReadAll() => Native.ReadAll(LocalFd);

    /// <summary>Ends the peer's writing (a pipe: closes its write end) and returns once the local end sees it.</summary>
    public void PeerShutdownWrite()
    {
        ShutdownPeerWrite();
        PeerClose.AwaitSeen(LocalFd);
    }

    /// <summary>Closes the peer and returns once the local end sees it (<see cref="PeerClose"/> says why that can lag).</summary>
    public void ClosePeer()
    {
        CloseThePeer();
        PeerClose.AwaitSeen(LocalFd);
    }

    protected abstract void ShutdownPeerWrite();

    protected abstract void CloseThePeer();

    public abstract void Dispose();
}

internal sealed class SocketPairEndpoint : Endpoint
{
    private readonly int _local;
    private int _peer;

    public SocketPairEndpoint() => (_local, _peer) = Native.SocketPair();

    public override string Kind => SocketPair;

    public override int LocalFd => _local;

    public override int PeerFd => _peer;

    public override void Register(Registry registry, Token token, Interest interest, PollMode mode) => registry.Register(_local, token, interest, mode);

    public override void Reregister(Registry registry, Token token, Interest interest, PollMode mode) => registry.Reregister(_local, token, interest, mode);

    public override void Deregister(Registry registry) => registry.Deregister(_local);

    protected override void ShutdownPeerWrite() => Native.Shutdown(_peer, Native.SHUT_WR);

    protected override void CloseThePeer()
    {
        Native.Close(_peer);
        _peer = -1;
    }

    public override void Dispose()
    {
        Native.Close(_local);
        if (_peer >= 0)
        {
            Native.Close(_peer);
        }
    }
}

internal sealed class PipeEndpoint : Endpoint
{
    private readonly SafeFileHandle _read;
    private readonly SafeFileHandle _write;

    public PipeEndpoint()
    {
        var (r, w) = Native.Pipe();
        _read = new SafeFileHandle(r, ownsHandle: true);
        _write = new SafeFileHandle(w, ownsHandle: true);
    }

    public override string Kind => Pipe;

    public override int LocalFd => (int)_read.DangerousGetHandle();

    public override int PeerFd => (int)_write.DangerousGetHandle();

    public override void Register(Registry registry, Token token, Interest interest, PollMode mode) => registry.Register(_read, token, interest, mode);

    public override void Reregister(Registry registry, Token token, Interest interest, PollMode mode) => registry.Reregister(_read, token, interest, mode);

    public override void Deregister(Registry registry) => registry.Deregister(_read);

    /// <summary>A pipe has no half-close: closing the write end is its shutdown.</summary>
    protected override void ShutdownPeerWrite() => _write.Dispose();

    protected override void CloseThePeer() => _write.Dispose();

    public override void Dispose()
    {
        _read.Dispose();
        _write.Dispose();
    }
}

internal sealed class TcpEndpoint : Endpoint
{
    private readonly Socket _local;
    private readonly Socket _peer;

    public TcpEndpoint()
    {
        (_local, _peer) = Loopback.ConnectedPair();
        _local.NoDelay = true;
        _peer.NoDelay = true;
        _local.Blocking = false;
        _peer.Blocking = false;
    }

    public override string Kind => Tcp;

    public Socket Local => _local;

    public override int LocalFd => (int)_local.SafeHandle.DangerousGetHandle();

    public override int PeerFd => (int)_peer.SafeHandle.DangerousGetHandle();

    public override void Register(Registry registry, Token token, Interest interest, PollMode mode) => registry.Register(_local, token, interest, mode);

    public override void Reregister(Registry registry, Token token, Interest interest, PollMode mode) => registry.Reregister(_local, token, interest, mode);

    public override void Deregister(Registry registry) => registry.Deregister(_local);

    protected override void ShutdownPeerWrite() => _peer.Shutdown(SocketShutdown.Send);

    protected override void CloseThePeer() => _peer.Dispose();

    public override void Dispose()
    {
        _local.Dispose();
        _peer.Dispose();
    }
}
