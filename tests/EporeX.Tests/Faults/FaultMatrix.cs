using System.Collections.Generic;
using System.Linq;

namespace EporeX.Tests.Faults;

/// <summary>
/// The fault matrix: fault × backend, each cell a <see cref="FaultCase"/>. kqueue runs over libkqueue, so
/// its system calls are libkqueue's (epoll_wait for kevent, eventfd2 for EVFILT_USER, timerfd_create for
/// EVFILT_TIMER…). A cell is absent where the backend makes no such call (pipe2 on epoll; epoll_create1 and
/// eventfd2 on poll(2)), or where libkqueue itself loses the event (see docs/articles/reliability.md, "Faults survived").
/// </summary>
/// <remarks>
/// Choosing <c>when=</c>: strace counts it per thread (tried: two threads' second pipe2 are both refused
/// with <c>when=2</c>), so the driver runs each scenario on a fresh thread of its own and starts its
/// helper threads before strace attaches. A call the library makes several times per operation needs a
/// period longer than that count, or the operation could never succeed (libkqueue's kqueue() makes
/// several epoll_ctl and eventfd2 calls). The runtime's own calls of the same name are hit too; the
/// scenarios avoid them where a hit is fatal to the runtime (its signal pipe, its thread start) and check
/// EporeX's behaviour, which holds whoever else was hit.
/// </remarks>
public static class FaultMatrix
{
    private const string EpollWaits = "epoll_wait,epoll_pwait,epoll_pwait2";
    private const string PollWaits = "poll,ppoll";
    private const string DescriptorIo = "read,write,recvfrom,sendto";
    private static readonly string[] All = ["epoll", "kqueue", "poll"];

    public static IReadOnlyList<FaultCase> Cases { get; } = Build();

    /// <summary>EINTR, a slow wait, and an empty one, on the wait calls.</summary>
    public static TheoryData<string, string> Waits() => Data("eintr-wait", "eintr-wait-async", "slow-wait", "slow-wait-async", "empty-wait-async");

    /// <summary>EINTR on descriptor I/O, EAGAIN on the waker's write, ENOBUFS and EPIPE on send.</summary>
    public static TheoryData<string, string> Io() => Data("eintr-io", "eintr-io-async", "eagain-wake", "enobufs-send", "epipe-send");

    /// <summary>EMFILE on every call that opens a descriptor, and on the process's first Poll.</summary>
    public static TheoryData<string, string> Exhaustion() => Data([.. Cases.Select(c => c.Fault).Where(f => f.StartsWith("emfile", System.StringComparison.Ordinal)).Distinct()]);

    /// <summary>Accepts that fail: some as a pending connection's network error, or every one refused.</summary>
    public static TheoryData<string, string> Accepts() => Data("eopnotsupp-accept", "eperm-accept", "einval-accept");

    /// <summary>ENOMEM on registration.</summary>
    public static TheoryData<string, string> Registration() => Data("enomem-register");

    public static FaultCase Find(string fault, string backend) => Cases.Single(c => c.Fault == fault && c.Backend == backend);

    private static TheoryData<string, string> Data(params string[] faults)
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Cases.Where(c => faults.Contains(c.Fault)))
        {
            data.Add(c.Fault, c.Backend);
        }

        return data;
    }

    private static string Waits(string backend) => backend == "poll" ? PollWaits : EpollWaits;

    private static List<FaultCase> Build()
    {
        var cases = new List<FaultCase>();
        foreach (var b in All)
        {
            // EINTR on every second wait: resumed with the time left, nothing lost, no early return.
            cases.Add(new("eintr-wait", b, "poll", Waits(b), "error=EINTR:when=2+2", null, false));
            cases.Add(new("eintr-wait-async", b, "async", Waits(b), "error=EINTR:when=2+2", null, false));

            // A wait held 50 ms on entry: slower, nothing lost, timeouts still honoured.
            cases.Add(new("slow-wait", b, "poll", Waits(b), "delay_enter=50000:when=2+2", null, false));
            cases.Add(new("slow-wait-async", b, "async", Waits(b), "delay_enter=50000:when=2+2", null, false));

            // A wait forced to return 0 without waiting (retval skips the call): the loop waits again.
            cases.Add(new("empty-wait-async", b, "async", Waits(b), "retval=0:when=2+2", null, false));

            // EINTR on every second read/write/recv/send: resumed, no byte lost or repeated. The Poll
            // scenario is not run on kqueue: libkqueue drops a whole batch of events when its own read of
            // an EVFILT_USER eventfd is interrupted (a periodic timer's edge is lost with it).
            if (b != "kqueue")
            {
                cases.Add(new("eintr-io", b, "poll", DescriptorIo, "error=EINTR:when=2+2", null, false));
            }

            cases.Add(new("eintr-io-async", b, "async", DescriptorIo, "error=EINTR:when=2+2", null, false));

            // EAGAIN on every second write, the waker's among them: no wake lost. Not on kqueue: libkqueue
            // takes an eventfd write's EAGAIN for success (true of a real one: its counter is then full).
            if (b != "kqueue")
            {
                cases.Add(new("eagain-wake", b, "wake", "write", "error=EAGAIN:when=2+2", null, false));
            }

            // A send refused (every third): SocketException at that WriteAsync, nothing taken, the loop serving.
            cases.Add(new("enobufs-send", b, "async", "sendto", "error=ENOBUFS:when=3+3", "ENOBUFS", true));
            cases.Add(new("epipe-send", b, "async", "sendto", "error=EPIPE:when=3+3", "EPIPE", true));

            // A listener's accepts that fail. Every second one with EOPNOTSUPP, one of the network errors
            // that Linux's accept(2) passes on from a pending connection: every client is served. Every one
            // refused with EPERM (a security module; the connection stays queued): accepting pauses rather
            // than spin, and the listener still stops. Every one with EINVAL (the socket no longer listens):
            // the listener stops accepting and closes its socket, so that clients are refused.
            cases.Add(new("eopnotsupp-accept", b, "listener", "accept4", "error=EOPNOTSUPP:when=1+2", null, false));
            cases.Add(new("eperm-accept", b, "listener-refused", "accept4", "error=EPERM", null, false));
            cases.Add(new("einval-accept", b, "listener-broken", "accept4", "error=EINVAL", null, false));
        }

        // ENOMEM on registration. libkqueue crashes (SIGSEGV) when an EPOLL_CTL_DEL it makes is refused
        // and the EV_DELETE is tried again; the kernel never refuses a DEL with ENOMEM, so on kqueue the
        // fault covers the first 20 epoll_ctl calls of each thread (the adds) and not the deletes.
        cases.Add(new("enomem-register", "epoll", "register", "epoll_ctl", "error=ENOMEM:when=2+2", "ENOMEM", true));
        cases.Add(new("enomem-register", "kqueue", "register", "epoll_ctl", "error=ENOMEM:when=2..20+2", "ENOMEM", true));

        // EMFILE on each call that opens a descriptor. The period lets an operation that makes the call
        // more than once through (the EventLoop makes two eventfds on epoll, more through libkqueue); pipe2
        // spares each thread's first call, which the runtime makes to start the thread and cannot survive.
        Emfile("epoll_create1", "1+2", "epoll", "kqueue");
        Emfile("eventfd2", "1+3", "epoll");
        cases.Add(new("emfile-eventfd2", "kqueue", "create", "eventfd2", "error=EMFILE:when=1+4", "EMFILE,EBADF", true)); // libkqueue reports EBADF for the eventfd it could not open
        Emfile("pipe2", "2+2", "kqueue", "poll");
        Emfile("timerfd_create", "1+2", All);
        Emfile("pidfd_open", "1+2", All);
        Emfile("socket", "1+2", All);
        Emfile("accept4", "1+2", All);

        // The process's first Poll, its backend's support probe refused: the backend stays available.
        cases.Add(new("emfile-first-poll", "epoll", "first-poll", "epoll_create1", "error=EMFILE:when=1", "EMFILE", false));
        cases.Add(new("emfile-first-poll", "kqueue", "first-poll", "epoll_create1", "error=EMFILE:when=1", "EMFILE", false));
        cases.Add(new("emfile-first-poll", "poll", "first-poll", "pipe2", "error=EMFILE:when=1", "EMFILE", false));
        return cases;

        void Emfile(string call, string when, params string[] backends)
        {
            foreach (var b in backends)
            {
                cases.Add(new($"emfile-{call}", b, "create", call, $"error=EMFILE:when={when}", "EMFILE", true));
            }
        }
    }
}
