using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX.FaultDriver;

internal static class Accepting
{
    /// <summary>
    /// Accepts through <c>IoAsync</c> on a registered, non-blocking listener. An accept refused with the
    /// expected errno (EMFILE) surfaces as the runtime's <see cref="SocketException"/> at that call, with the
    /// readiness kept and the connection still in the backlog: the next try takes it.
    /// </summary>
    public static async Task<Socket> AcceptAsync(ScenarioContext context, AsyncFd<Socket> listener)
    {
        while (true)
        {
            try
            {
                return await listener.IoAsync(Interest.Readable, listener.Inner, static (Socket l, out Socket s) =>
                {
                    try
                    {
                        s = l.Accept();
                        return true;
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                    {
                        s = null!;
                        return false;
                    }
                });
            }
            catch (SocketException e) when (context.IsRefusal(e))
            {
                context.Report.Add("refused");
            }
        }
    }
}
