using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EporeX.Bsd.Kqueue;

internal static partial class Interop
{
    /// <summary>
    /// fstat(2) on macOS, only to read a descriptor's file type. Both architectures use the 64-bit-inode
    /// <c>struct stat</c> (xnu bsd/sys/stat.h <c>__DARWIN_STRUCT_STAT64</c>: int32 st_dev, then uint16
    /// st_mode at offset 4); on x64 that layout is exported as <c>fstat$INODE64</c>, on arm64 as <c>fstat</c>.
    /// </summary>
    internal static unsafe partial class MacStat
    {
        private const int ModeOffset = 4;
        private const int BufferSize = 256; // sizeof(struct stat) is 144
        private const int S_IFMT = 0xF000;
        private const int S_IFDIR = 0x4000;
        private const int S_IFREG = 0x8000;

        static MacStat() => EnsureResolver();

        /// <summary>True when <paramref name="fd"/> is a regular file or a directory; false otherwise or when fstat fails.</summary>
        internal static bool IsRegularFileOrDirectory(int fd)
        {
            var buffer = stackalloc byte[BufferSize];
            var result = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? FstatArm64(fd, buffer) : FstatInode64(fd, buffer);
            if (result != 0)
            {
                return false;
            }

            var type = Unsafe.ReadUnaligned<ushort>(buffer + ModeOffset) & S_IFMT;
            return type is S_IFREG or S_IFDIR;
        }

        [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
        private static partial int FstatArm64(int fd, byte* buffer);

        [LibraryImport(Library, EntryPoint = "fstat$INODE64", SetLastError = true)]
        private static partial int FstatInode64(int fd, byte* buffer);
    }
}
