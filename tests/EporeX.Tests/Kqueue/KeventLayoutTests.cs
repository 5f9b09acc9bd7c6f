using System;
using EporeX.Bsd.Kqueue;

namespace EporeX.Tests.Kqueue;

/// <summary>
/// Every size and offset of <c>struct kevent</c> per OS, from each OS's own header (64-bit process):
/// macOS: apple-oss-distributions/xnu bsd/sys/event.h (<c>#pragma pack(4)</c>; uintptr_t ident, int16_t filter,
/// uint16_t flags, uint32_t fflags, intptr_t data, void *udata);
/// FreeBSD ≥ 12: freebsd-src sys/sys/event.h (… __int64_t data, void *udata, __uint64_t ext[4]);
/// OpenBSD: openbsd/src sys/sys/event.h (__uintptr_t ident, short filter, unsigned short flags, unsigned int fflags, __int64_t data, void *udata);
/// NetBSD: NetBSD/src sys/sys/event.h (uintptr_t ident, uint32_t filter, uint32_t flags, uint32_t fflags, int64_t data, void *udata);
/// libkqueue: mheily/libkqueue include/sys/event.h (macOS's fields: uintptr_t, short, u_short, u_int, intptr_t, void *).
/// </summary>
public sealed class KeventLayoutTests
{
    public static TheoryData<string, int, int, int, int, int, int, int> Layouts() => new()
    {
        // name, size, filter width, flags offset, flags width, fflags offset, data offset, udata offset
        { "macOS", 32, 2, 10, 2, 12, 16, 24 },
        { "FreeBSD", 64, 2, 10, 2, 12, 16, 24 },
        { "OpenBSD", 32, 2, 10, 2, 12, 16, 24 },
        { "NetBSD", 40, 4, 12, 4, 16, 24, 32 },
        { "Linux (libkqueue)", 32, 2, 10, 2, 12, 16, 24 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_platform_has_its_headers_layout(string name, int size, int filterWidth, int flagsOffset, int flagsWidth, int fflagsOffset, int dataOffset, int udataOffset)
    {
        var layout = KqueuePlatforms.ByName(name).Layout;
        Assert.Equal(size, layout.Size);
        Assert.Equal(0, KeventLayout.IdentOffset);
        Assert.Equal(8, KeventLayout.FilterOffset);
        Assert.Equal(filterWidth, layout.FilterWidth);
        Assert.Equal(flagsOffset, layout.FlagsOffset);
        Assert.Equal(flagsWidth, layout.FlagsWidth);
        Assert.Equal(fflagsOffset, layout.FflagsOffset);
        Assert.Equal(dataOffset, layout.DataOffset);
        Assert.Equal(udataOffset, layout.UdataOffset);
        Assert.Equal(size, layout.UdataOffset + 8 + (name == "FreeBSD" ? 32 : 0)); // udata ends the struct, but for FreeBSD's ext[4]
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public unsafe void A_kevent_is_written_at_the_headers_offsets_and_read_back(string name)
    {
        var platform = KqueuePlatforms.ByName(name);
        var layout = platform.Layout;
        var bytes = new byte[layout.Size + 8];
        bytes.AsSpan().Fill(0xAA);
        fixed (byte* p = bytes)
        {
            layout.Write(p, 0x0102030405060708, platform.WriteFilter, 0x8061, 0x01000002, 0xFEDCBA9876543210, -7);

            Assert.Equal(0x0102030405060708UL, BitConverter.ToUInt64(bytes, 0));
            if (layout.FilterWidth == 2)
            {
                Assert.Equal((short)platform.WriteFilter, BitConverter.ToInt16(bytes, 8));
                Assert.Equal((ushort)0x8061, BitConverter.ToUInt16(bytes, 10));
            }
            else
            {
                Assert.Equal(platform.WriteFilter, BitConverter.ToInt32(bytes, 8));
                Assert.Equal(0x8061u, BitConverter.ToUInt32(bytes, 12));
            }

            Assert.Equal(0x01000002u, BitConverter.ToUInt32(bytes, layout.FflagsOffset));
            Assert.Equal(-7L, BitConverter.ToInt64(bytes, layout.DataOffset));
            Assert.Equal(0xFEDCBA9876543210UL, BitConverter.ToUInt64(bytes, layout.UdataOffset));
            for (var i = layout.UdataOffset + 8; i < layout.Size; i++)
            {
                Assert.Equal(0, bytes[i]); // FreeBSD's ext[4] is zeroed
            }

            Assert.Equal(0xAA, bytes[layout.Size]); // nothing past the struct is touched

            var back = layout.Read(p);
            Assert.Equal(new Kevent(0x0102030405060708, platform.WriteFilter, 0x8061, 0x01000002, -7, 0xFEDCBA9876543210), back);
        }
    }

    [Fact]
    public unsafe void Negative_filters_are_sign_extended_and_NetBSDs_stay_positive()
    {
        var entry = stackalloc byte[64];
        KqueuePlatform.FreeBSD.Layout.Write(entry, 3, -11, 0, 0, 0);
        Assert.Equal(-11, KqueuePlatform.FreeBSD.Layout.Read(entry).Filter);
        KqueuePlatform.NetBSD.Layout.Write(entry, 3, 8, 0, 0, 0);
        Assert.Equal(8, KqueuePlatform.NetBSD.Layout.Read(entry).Filter);
    }
}
