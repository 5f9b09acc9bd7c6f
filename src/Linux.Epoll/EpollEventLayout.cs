using System.Runtime.InteropServices;

namespace EporeX.Linux.Epoll;

/// <summary>
/// The shape of <c>struct epoll_event { uint32_t events; uint64_t data; }</c>, which the kernel declares
/// packed on x86-64 (and is 12 bytes on 32-bit x86, where a 64-bit integer is 4-byte aligned) but naturally
/// aligned everywhere else (arm64, riscv64, ppc64le, s390x, loongarch64: 16 bytes, data at 8).
/// </summary>
internal readonly record struct EpollEventLayout(int Size, int DataOffset)
{
    public static readonly EpollEventLayout Current = For(RuntimeInformation.ProcessArchitecture);

    public static EpollEventLayout For(Architecture architecture) =>
        architecture is Architecture.X64 or Architecture.X86 ? new(12, 4) : new(16, 8);
}
