using System;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Support;

/// <summary>Process-level libc calls for the reliability tests: signals to one thread, and the descriptor limit.</summary>
internal static unsafe partial class NativeProcess
{
    private const string Libc = "libc";

    public const int EMFILE = 24;

    /// <summary>SIGCHLD: 17 on Linux, 20 on macOS and the BSDs. The runtime handles it (it reaps Process children).</summary>
    public static readonly int SIGCHLD = OperatingSystem.IsLinux() ? 17 : 20;

    /// <summary>SIGWINCH: 28 everywhere. Its default action is to ignore; the runtime handles it for the console.</summary>
    public const int SIGWINCH = 28;

    private static readonly int RLIMIT_NOFILE = OperatingSystem.IsLinux() ? 7 : 8;

    [LibraryImport(Libc, EntryPoint = "pthread_self")]
    public static partial nuint PthreadSelf();

    /// <summary>Sends <paramref name="signal"/> to one thread (tgkill on Linux): only that thread's system call is interrupted.</summary>
    [LibraryImport(Libc, EntryPoint = "pthread_kill")]
    public static partial int PthreadKill(nuint thread, int signal);

    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport(Libc, EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, RLimit* limit);

    public static (ulong Soft, ulong Hard) DescriptorLimit()
    {
        RLimit limit;
        Check(GetRLimit(RLIMIT_NOFILE, &limit), "getrlimit");
        return (limit.Current, limit.Maximum);
    }

    /// <summary>Sets the soft limit; returns false when the kernel refuses.</summary>
    public static bool TrySetDescriptorLimit(ulong soft)
    {
        var (_, hard) = DescriptorLimit();
        var limit = new RLimit { Current = soft, Maximum = hard };
        return SetRLimit(RLIMIT_NOFILE, &limit) == 0;
    }

    /// <summary>Sets both limits (raising the hard one needs CAP_SYS_RESOURCE); returns false when the kernel refuses.</summary>
    public static bool TrySetDescriptorLimits(ulong soft, ulong hard)
    {
        var limit = new RLimit { Current = soft, Maximum = hard };
        return SetRLimit(RLIMIT_NOFILE, &limit) == 0;
    }

    private static void Check(int result, string call)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
