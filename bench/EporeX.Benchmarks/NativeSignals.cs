using System;
using System.Runtime.InteropServices;

namespace EporeX.Benchmarks;

internal static partial class Native
{
    /// <summary>SIGCONT: 18 on Linux, 19 on macOS and the BSDs; harmless to a running process.</summary>
    public static readonly int SIGCONT = OperatingSystem.IsLinux() ? 18 : 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
