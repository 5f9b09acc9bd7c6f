using System;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

// The Start mode: accepted connections pumped to the callback, each tracked until it returns.
public sealed partial class EventLoopListener
{
    /// <summary>The connection whose callback the current code runs in, if any (of any listener).</summary>
    private static readonly AsyncLocal<AcceptedConnection?> CallbackConnection = new();

    /// <summary>A callback that awaits its own listener's stop: the stop cannot wait for it, which returns only after.</summary>
    private AcceptedConnection? _stoppingFromCallback;

    private async Task PumpAsync()
    {
        await Task.Yield();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var connection))
            {
                lock (_active)
                {
                    _active.Add(connection);
                }

                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Listener.RunCallbackAsync(state.Connection), (Listener: this, Connection: connection), preferLocal: false);
            }
        }
    }

    private async Task RunCallbackAsync(AcceptedConnection connection)
    {
        CallbackConnection.Value = connection; // flows into the callback: a stop it awaits does not wait for it
        try
        {
            await _callback!(connection, _aborting.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (!_aborting.IsCancellationRequested)
            {
                ListenerLog.CallbackFailed(_logger, e, _display);
            }
        }
        finally
        {
            connection.Dispose(); // in the callback form the listener disposes the connection when its callback ends
            lock (_active)
            {
                _active.Remove(connection);
                if (CallbacksEnded())
                {
                    _callbacksDone?.TrySetResult();
                    _callbacksDone = null;
                }
            }
        }
    }

    /// <summary>
    /// Completes when the running callbacks have returned, except the one that asks, if it is one of this
    /// listener's (it would wait for itself: awaiting <see cref="DisposeAsync"/> in a callback, to shut the
    /// server down on a command, must not hang).
    /// </summary>
    private Task CallbacksDone()
    {
        lock (_active)
        {
            if (CallbackConnection.Value is { } own && _active.Contains(own))
            {
                _stoppingFromCallback = own;
            }

            if (CallbacksEnded())
            {
                return Task.CompletedTask;
            }

            _callbacksDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _callbacksDone.Task;
        }
    }

    /// <summary>Under the lock of <see cref="_active"/>: no callback runs but the one that awaits the stop.</summary>
    private bool CallbacksEnded() =>
        _active.Count == 0 || (_active.Count == 1 && _stoppingFromCallback is { } own && _active.Contains(own));
}
