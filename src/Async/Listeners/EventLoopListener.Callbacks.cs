using System;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

// The Start mode: accepted connections pumped to the callback, each tracked until it returns.
public sealed partial class EventLoopListener
{
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
                if (_active.Count == 0)
                {
                    _callbacksDone?.TrySetResult();
                    _callbacksDone = null;
                }
            }
        }
    }
}
