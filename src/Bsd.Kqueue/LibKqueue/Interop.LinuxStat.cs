using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EporeX.Bsd.Kqueue;

internal static partial class Interop
{
    /// <summary>
    /// statx(2) on Linux (glibc 2.28, musl 1.2.5), for libkqueue only: a descriptor's file type and
    /// identity. <c>struct statx</c> is the same on every architecture (linux/stat.h): stx_mode (u16) at
    /// offset 28, stx_ino (u64) at 32, stx_dev_major and stx_dev_minor (u32) at 136 and 140; 256 bytes.
    /// </summary>
    internal static unsafe partial class LinuxStat
    {
        private const string LibC = "libc"; // not libkqueue: the resolver of this assembly maps only its own name
        private const int AtEmptyPath = 0x1000;
        private const uint StatxType = 0x0001;
        private const uint StatxIno = 0x0100;
        private const int BufferSize = 256;
        private const int S_IFMT = 0xF000;
        private const int S_IFDIR = 0x4000;
        private const int S_IFREG = 0x8000;

        /// <summary>False with a C library older than statx: then nothing is known, as when it fails.</summary>
        private static readonly bool s_available = Probe();

        /// <summary>The type and identity of <paramref name="fd"/>; <see cref="FileIdentity.Unknown"/> when statx fails.</summary>
        internal static FileIdentity Identify(int fd)
        {
            var buffer = stackalloc byte[BufferSize];
            byte empty = 0;
            if (!s_available || Statx(fd, &empty, AtEmptyPath, StatxType | StatxIno, buffer) != 0)
            {
                return FileIdentity.Unknown;
            }

            var type = Unsafe.ReadUnaligned<ushort>(buffer + 28) & S_IFMT;
            var inode = Unsafe.ReadUnaligned<ulong>(buffer + 32);
            var device = ((ulong)Unsafe.ReadUnaligned<uint>(buffer + 136) << 32) | Unsafe.ReadUnaligned<uint>(buffer + 140);
            return new FileIdentity(device, inode, type is S_IFREG or S_IFDIR);
        }

        // Once, away from the hot path: an exception handler in Identify itself made its tiered (PGO)
        // recompilation allocate on the calling thread.
        private static bool Probe()
        {
            var buffer = stackalloc byte[BufferSize];
            byte empty = 0;
            try
            {
                return Statx(-1, &empty, AtEmptyPath, 0, buffer) is -1 or 0; // EBADF, or the missing entry point
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
        }

        [LibraryImport(LibC, EntryPoint = "statx")]
        private static partial int Statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);
    }

    /// <summary>What statx says about a descriptor: the file it names (device, inode) and whether it is a regular file or a directory.</summary>
    internal readonly record struct FileIdentity(ulong Device, ulong Inode, bool IsRegularFileOrDirectory)
    {
        /// <summary>statx failed: nothing is known.</summary>
        public static readonly FileIdentity Unknown = new(0, 0, false);

        public bool IsKnown => Inode != 0;
    }
}
