using System;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Support;

/// <summary>kill(2) to this process, and the signal numbers the event-source tests use.</summary>
internal static partial class Signals
{
    /// <summary>SIGCONT: 18 on Linux, 19 on macOS and the BSDs. Harmless to a running process, and no other test sends it.</summary>
    public static readonly int SIGCONT = OperatingSystem.IsLinux() ? 18 : 19;

    /// <summary>SIGUSR1: 10 on Linux, 30 on macOS and the BSDs. Its default action ends the process.</summary>
    public static readonly int SIGUSR1 = OperatingSystem.IsLinux() ? 10 : 30;

    public static readonly int SIGSTOP = OperatingSystem.IsLinux() ? 19 : 17;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    /// <summary>kill(getpid(), signal); allocation-free, for the allocation tests.</summary>
    public static void ToSelf(int signal)
    {
        if (KillRaw(Environment.ProcessId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}

/// <summary>The tests that send SIGCONT to this process and count it: one collection, so they never run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class SignalCollection
{
    public const string Name = "Signals sent to this process";
}
