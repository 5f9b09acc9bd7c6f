using System.IO;

namespace EporeX.Tests.Support;

/// <summary>How many descriptors this process holds: /proc/self/fd on Linux, /dev/fd on macOS and the BSDs.</summary>
public static class OpenDescriptors
{
    public static int Count()
    {
        var folder = Directory.Exists("/proc/self/fd") ? "/proc/self/fd" : "/dev/fd";
        return Directory.GetFiles(folder).Length;
    }
}
