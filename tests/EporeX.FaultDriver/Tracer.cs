using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace EporeX.FaultDriver;

/// <summary>
/// Waits for strace to attach (<c>strace -f -p PID</c>) before the scenario runs. Injecting from the
/// start would hit the runtime's start-up instead (the dynamic loader does not retry an interrupted read:
/// "error while loading shared libraries… Error 4"), so the driver starts untraced, warms up, says it is
/// ready, and goes on only once every one of its threads has a tracer; threads started later are traced
/// from their creation (-f).
/// </summary>
internal static class Tracer
{
    public static bool AwaitAttach(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (EveryThreadTraced())
            {
                return true;
            }

            Thread.Sleep(10);
        }

        return false;
    }

    private static bool EveryThreadTraced()
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("TracerPid:", StringComparison.Ordinal) && line.AsSpan(10).Trim() is "0")
                    {
                        return false;
                    }
                }
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return true;
    }
}
