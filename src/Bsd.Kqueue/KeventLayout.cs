using System.Runtime.CompilerServices;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// Where the fields of one OS's <c>struct kevent</c> sit in a 64-bit process. <c>ident</c> is always a
/// pointer-sized integer at offset 0 and <c>filter</c> always starts at 8; the filter and flags fields are
/// 16 bits wide everywhere but NetBSD, where they are 32 bits.
/// </summary>
/// <param name="Size">sizeof(struct kevent): the stride of a change or event list.</param>
/// <param name="FilterWidth">2 (int16 filter) or 4 (NetBSD's uint32).</param>
/// <param name="FlagsOffset">Offset of <c>flags</c>.</param>
/// <param name="FlagsWidth">2 (uint16) or 4 (NetBSD's uint32).</param>
/// <param name="FflagsOffset">Offset of the 32-bit <c>fflags</c>.</param>
/// <param name="DataOffset">Offset of the 64-bit <c>data</c>.</param>
/// <param name="UdataOffset">Offset of the pointer-sized <c>udata</c>.</param>
internal readonly record struct KeventLayout(int Size, int FilterWidth, int FlagsOffset, int FlagsWidth, int FflagsOffset, int DataOffset, int UdataOffset)
{
    public const int IdentOffset = 0;
    public const int FilterOffset = 8;

    /// <summary>The largest <see cref="Size"/> of any OS (FreeBSD's), in 64-bit words: room for one kevent of any layout on the stack.</summary>
    public const int MaxWords = 64 / sizeof(ulong);

    /// <summary>macOS (xnu bsd/sys/event.h, <c>#pragma pack(4)</c>), OpenBSD and libkqueue: 32 bytes.</summary>
    public static readonly KeventLayout Compact = new(32, 2, 10, 2, 12, 16, 24);

    /// <summary>FreeBSD 12 and later (sys/sys/event.h): the compact fields plus <c>uint64_t ext[4]</c> at 32: 64 bytes.</summary>
    public static readonly KeventLayout FreeBsd = new(64, 2, 10, 2, 12, 16, 24);

    /// <summary>NetBSD (sys/sys/event.h): 32-bit filter, flags and fflags, then the 8-aligned int64 data: 40 bytes.</summary>
    public static readonly KeventLayout NetBsd = new(40, 4, 12, 4, 16, 24, 32);

    /// <summary>Writes one kevent; every other byte (FreeBSD's ext[], padding) is zeroed.</summary>
    public unsafe void Write(byte* entry, ulong ident, int filter, uint flags, uint fflags, ulong udata, long data = 0)
    {
        Unsafe.InitBlockUnaligned(entry, 0, (uint)Size);
        Unsafe.WriteUnaligned(entry + IdentOffset, ident);
        if (FilterWidth == 2)
        {
            Unsafe.WriteUnaligned(entry + FilterOffset, (short)filter);
            Unsafe.WriteUnaligned(entry + FlagsOffset, (ushort)flags);
        }
        else
        {
            Unsafe.WriteUnaligned(entry + FilterOffset, filter);
            Unsafe.WriteUnaligned(entry + FlagsOffset, flags);
        }

        Unsafe.WriteUnaligned(entry + FflagsOffset, fflags);
        Unsafe.WriteUnaligned(entry + DataOffset, data);
        Unsafe.WriteUnaligned(entry + UdataOffset, udata);
    }

    /// <summary>Reads one returned kevent.</summary>
    public unsafe Kevent Read(byte* entry) => FilterWidth == 2
        ? new Kevent(
            Unsafe.ReadUnaligned<ulong>(entry + IdentOffset),
            Unsafe.ReadUnaligned<short>(entry + FilterOffset),
            Unsafe.ReadUnaligned<ushort>(entry + FlagsOffset),
            Unsafe.ReadUnaligned<uint>(entry + FflagsOffset),
            Unsafe.ReadUnaligned<long>(entry + DataOffset),
            Unsafe.ReadUnaligned<ulong>(entry + UdataOffset))
        : new Kevent(
            Unsafe.ReadUnaligned<ulong>(entry + IdentOffset),
            Unsafe.ReadUnaligned<int>(entry + FilterOffset),
            Unsafe.ReadUnaligned<uint>(entry + FlagsOffset),
            Unsafe.ReadUnaligned<uint>(entry + FflagsOffset),
            Unsafe.ReadUnaligned<long>(entry + DataOffset),
            Unsafe.ReadUnaligned<ulong>(entry + UdataOffset));
}

/// <summary>One returned kevent, widened to the same types on every OS (NetBSD's filters stay positive).</summary>
internal readonly record struct Kevent(ulong Ident, int Filter, uint Flags, uint Fflags, long Data, ulong Udata);
