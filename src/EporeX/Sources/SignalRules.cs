using System;
using System.Runtime.InteropServices;
using EporeX.Unix;

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

    private static readonly SignalNumbers Numbers = SignalNumbers.For(UnixFamily.Current);

    public static PosixSignal FromNumber(int number) => FromNumber(number, Numbers);

    public static void Validate(PosixSignal signal) => Validate(signal, Numbers);

    /// <summary><see cref="FromNumber(int)"/> with the numbers of a given family.</summary>
    internal static PosixSignal FromNumber(int number, SignalNumbers numbers)
    {
        if (number <= 0 || number > numbers.Max)
        {
            throw new UnsupportedSignalException(number, $"signal numbers run from 1 to {numbers.Max} here");
        }

        return (PosixSignal)number;
    }

    /// <summary><see cref="Validate(PosixSignal)"/> with the numbers of a given family.</summary>
    internal static void Validate(PosixSignal signal, SignalNumbers numbers)
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

        _ = FromNumber(number, numbers);
        var reason = number == SIGKILL || number == numbers.Stop ? "SIGKILL and SIGSTOP cannot be caught"
            : number is SIGILL or SIGTRAP or SIGABRT or SIGFPE or SIGSEGV || number == numbers.Bus ? "the .NET runtime turns it into exceptions or crash reports"
            : numbers.ReservesFirstRealtime && number is >= 32 and <= 34 ? "the C library and the .NET runtime reserve the first real-time signals (32 to 34)"
            : null;
        if (reason is not null)
        {
            throw new UnsupportedSignalException(number, reason);
        }
    }

    /// <summary>
    /// The signal numbers that differ, per <see cref="UnixFamily"/>: Linux's kernel (Linux and Android) has
    /// SIGBUS 7, SIGSTOP 19 and real-time signals up to 64, whose first ones its C libraries keep; the BSD
    /// family (Apple's systems, FreeBSD, OpenBSD, NetBSD, DragonFly) has SIGBUS 10, SIGSTOP 17 and 31
    /// signals (FreeBSD's 32 and beyond are its thread library's).
    /// </summary>
    /// <param name="Bus">SIGBUS.</param>
    /// <param name="Stop">SIGSTOP.</param>
    /// <param name="Max">The highest signal number accepted.</param>
    /// <param name="ReservesFirstRealtime">True where signals 32 to 34 are the C library's and the runtime's.</param>
    internal sealed record SignalNumbers(int Bus, int Stop, int Max, bool ReservesFirstRealtime)
    {
        public static readonly SignalNumbers LinuxKernel = new(Bus: 7, Stop: 19, Max: 64, ReservesFirstRealtime: true);

        public static readonly SignalNumbers Bsd = new(Bus: 10, Stop: 17, Max: 31, ReservesFirstRealtime: false);

        /// <summary>The row of <paramref name="family"/> (<see cref="UnixFamily"/>).</summary>
        public static SignalNumbers For(string? family) => UnixFamily.HasLinuxKernel(family) ? LinuxKernel : Bsd;
    }
}
