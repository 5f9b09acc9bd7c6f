using System;
using System.Threading;

namespace EporeX.AspNetCore;

/// <summary>
/// Connection ids as Kestrel's own look (13 characters of base32 from a counter seeded with the start
/// time): unique within the process, short in logs, and made only when someone asks for one.
/// </summary>
internal static class ConnectionIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
    private static long _last = DateTime.UtcNow.Ticks;

    public static long Next() => Interlocked.Increment(ref _last);

    public static string Format(long id) => string.Create(13, id, static (span, value) =>
    {
        for (var i = span.Length - 1; i >= 0; i--)
        {
            span[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    });
}
