using System;
using System.Runtime.InteropServices;

namespace EporeX;

/// <summary>Which signals a <see cref="SignalSource"/> accepts: everything catchable that the runtime does not keep for itself.</summary>
internal static class SignalRules
{
    private const int SIGILL = 4;
    private const int SIGTRAP = 5;
    private const int SIGABRT = 6;
    private const int SIGFPE = 8;
    private const int SIGKILL = 9;
    private const int SIGSEGV = 11;

    private static readonly int SIGBUS = OperatingSystem.IsLinux() ? 7 : 10;
    private static readonly int SIGSTOP = OperatingSystem.IsLinux() ? 19 : 17;

    /// <summary>The highest signal number: 64 on Linux (SIGRTMAX), 31 on the BSDs and macOS (32 on FreeBSD's SIGTHR and beyond are the thread library's).</summary>
    private static readonly int Max = OperatingSystem.IsLinux() ? 64 : 31;

    public static PosixSignal FromNumber(int number)
    {
        if (number <= 0 || number > Max)
        {
            throw new UnsupportedSignalException(number, $"signal numbers run from 1 to {Max} here");
        }

        return (PosixSignal)number;
    }

    public static void Validate(PosixSignal signal)
    {
        var number = (int)signal;
        if (number < 0)
        {
            if (!Enum.IsDefined(signal))
            {
                throw new UnsupportedSignalException(number, "it is not a PosixSignal value");
            }

            return; // SIGHUP, SIGINT, SIGTERM…: the runtime maps and allows each of them
        }

        _ = FromNumber(number);
        var reason = number == SIGKILL || number == SIGSTOP ? "SIGKILL and SIGSTOP cannot be caught"
            : number is SIGILL or SIGTRAP or SIGABRT or SIGFPE or SIGSEGV || number == SIGBUS ? "the .NET runtime turns it into exceptions or crash reports"
            : OperatingSystem.IsLinux() && number is >= 32 and <= 34 ? "glibc and the .NET runtime reserve the first real-time signals (32 to 34)"
            : null;
        if (reason is not null)
        {
            throw new UnsupportedSignalException(number, reason);
        }
    }
}
