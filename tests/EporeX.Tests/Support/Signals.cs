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

    public static void ToSelf(int signal) => Assert.Equal(0, KillRaw(Environment.ProcessId, signal));
}
