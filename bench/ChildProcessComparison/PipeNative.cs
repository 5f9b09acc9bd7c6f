using System;
using System.Runtime.InteropServices;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>fcntl, to see and set O_NONBLOCK on the child's stdout pipe.</summary>
internal static partial class PipeNative
{
    private const int FGetFl = 3;
    private const int FSetFl = 4;

    private static int ONonBlock => OperatingSystem.IsLinux() ? 0x800 : 0x4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    public static bool IsNonBlocking(SafeHandle handle) => (Flags(handle) & ONonBlock) != 0;

    public static void SetNonBlocking(SafeHandle handle)
    {
        var flags = Flags(handle);
        if (fcntl((int)handle.DangerousGetHandle(), FSetFl, flags | ONonBlock) == -1)
        {
            throw new InvalidOperationException($"fcntl(F_SETFL): {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    private static int Flags(SafeHandle handle)
    {
        var flags = fcntl((int)handle.DangerousGetHandle(), FGetFl, 0);
        return flags != -1 ? flags : throw new InvalidOperationException($"fcntl(F_GETFL): {Marshal.GetLastPInvokeErrorMessage()}");
    }
}
