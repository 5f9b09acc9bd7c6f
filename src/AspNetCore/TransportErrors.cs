using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace EporeX.AspNetCore;

/// <summary>
/// Kestrel's exception types for what a connection's receive or send failed with, as its Sockets
/// transport raises them: a reset peer is a <see cref="ConnectionResetException"/> (Kestrel logs it at
/// debug level and does not call it an error), a connection closed under a call a
/// <see cref="ConnectionAbortedException"/>, anything else an <see cref="IOException"/>.
/// </summary>
internal static class TransportErrors
{
    public static Exception Map(Exception error) => error switch
    {
        ConnectionAbortedException or IOException => error,
        SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } reset
            => new ConnectionResetException(reset.Message, reset),
        SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted } aborted
            => new ConnectionAbortedException(aborted.Message, aborted),
        ObjectDisposedException disposed => new ConnectionAbortedException(disposed.Message, disposed),
        _ => new IOException(error.Message, error),
    };

    /// <summary>Kestrel tells "address in use" by its own type: with it, "localhost" falls back and the message names the address.</summary>
    public static Exception MapBind(SocketException error, EndPoint endPoint) =>
        error.SocketErrorCode == SocketError.AddressAlreadyInUse
            ? new AddressInUseException($"{endPoint}: {error.Message}", error)
            : error;
}
