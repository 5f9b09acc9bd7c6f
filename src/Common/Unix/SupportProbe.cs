using System;
using System.Threading;

namespace EporeX.Unix;

/// <summary>
/// A backend's support probe (create the kernel object, close it), kept once it is conclusive. A probe that
/// ran out of descriptors or memory (EMFILE, ENFILE, ENOMEM) proves nothing about the kernel: ruling the
/// backend out would last for the life of the process (a server whose first Poll met a full descriptor
/// table would fall back to poll(2), or fail to start when it asked for epoll, long after descriptors were
/// free). Such a probe answers "supported", so that Create fails with the typed exhaustion error and the
/// same call succeeds once descriptors are free, and is asked again next time.
/// </summary>
internal sealed class SupportProbe(Func<SupportProbe, EventQueueSupport> probe)
{
    private readonly Lock _gate = new();
    private EventQueueSupport? _settled;
    private bool _inconclusive;

    public EventQueueSupport Value
    {
        get
        {
            lock (_gate)
            {
                if (_settled is { } settled)
                {
                    return settled;
                }

                _inconclusive = false;
                var answer = probe(this);
                if (!_inconclusive)
                {
                    _settled = answer;
                }

                return answer;
            }
        }
    }

    /// <summary>True for the errno of a resource that is exhausted now, not of a kernel that lacks the call.</summary>
    public static bool IsExhaustion(int errno) => errno is Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM;

    /// <summary>
    /// The answer when the probe's <paramref name="call"/> failed with <paramref name="errno"/>: unsupported
    /// with <paramref name="unsupported"/>, or — for exhaustion — supported for now and not kept.
    /// </summary>
    public EventQueueSupport Failed(string call, int errno, string unsupported)
    {
        if (!IsExhaustion(errno))
        {
            return EventQueueSupport.Unsupported(unsupported);
        }

        _inconclusive = true;
        return EventQueueSupport.Supported($"{call} failed with {EventQueueErrors.Describe(errno)}: the kernel has it but cannot open one now (probed again next time)");
    }
}
