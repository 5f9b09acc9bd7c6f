using System;
using System.Runtime.InteropServices;

namespace EporeX.Bsd.Kqueue;

internal static partial class Interop
{
    /// <summary>The one call libkqueue exports beyond kqueue(2) and kevent(2); libkqueue only.</summary>
    internal static partial class Kqueue
    {
        private static bool s_noDrain;

        /// <summary>
        /// libkqueue only: blocks until its monitoring thread has freed every kqueue already closed, with
        /// their epoll, pipe and eventfd descriptors (exported since after 2.7.0; absent before).
        /// </summary>
        internal static void DrainPendingClose()
        {
            if (s_noDrain)
            {
                return;
            }

            try
            {
                LibKqueueDrainPendingClose();
            }
            catch (EntryPointNotFoundException)
            {
                s_noDrain = true; // an older libkqueue: its descriptors close a moment after the kqueue
            }
        }

        [LibraryImport(Library, EntryPoint = "libkqueue_drain_pending_close")]
        private static partial void LibKqueueDrainPendingClose();
    }
}
