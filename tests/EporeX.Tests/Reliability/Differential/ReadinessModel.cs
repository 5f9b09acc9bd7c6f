using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EporeX.Tests.Reliability.Differential;

/// <summary>Yes, no, or "the backends (or kernel versions) may differ here, so either is right".</summary>
public enum Tri
{
    No,
    Maybe,
    Yes,
}

/// <summary>What a wait reported for one token, reduced to the bits every backend agrees on.</summary>
public readonly record struct ObservedEvent(ulong Token, bool Readable, bool Writable, bool ReadClosed)
{
    public override string ToString() => $"{Token}:{(Readable ? "R" : "")}{(Writable ? "W" : "")}{(ReadClosed ? "C" : "")}";
}

/// <summary>
/// The reference model of readiness for AF_UNIX stream socketpairs: per end the bytes buffered, whether it
/// shut down writing or was closed, and its registration (token, interest, mode, armed, edge pending).
/// It keeps to what every backend and kernel agrees on; where they may differ (writability after a
/// shutdown, hang-up), it says <see cref="Tri.Maybe"/> and then follows what was observed.
/// </summary>
/// <remarks>
/// Edge wakeups are kept per direction. Linux has one wait queue per socket, so epoll reports the whole
/// readiness on any wakeup; kqueue has a knote per filter, and a wakeup reaches only its own direction
/// (a shutdown wakes the shutting end's write filter and the peer's read filter, not the others). Where
/// the two differ the model says Maybe. A read-closed without read interest comes from a hang-up, which
/// epoll and poll(2) report and kqueue's write filter cannot: Maybe as well.
/// Whether poll(2) reports POLLHUP for a half-shut socket differs per OS too.
/// </remarks>
public sealed class ReadinessModel(EventQueueCapabilities capabilities)
{
    public const ulong WakerToken = 999;
    public const ulong TimerToken = 998;

    private readonly End[] _ends = Enumerable.Range(0, 2 * Op.MaxPairs).Select(_ => new End()).ToArray();
    private int _pairs;
    private bool _wakePending;
    private bool _timerDue; // a one-shot deadline has passed (or will, within the next wait) and is not consumed

    /// <summary>Whether the step can run: steps on ends that do not exist, are closed, or would hit a dead peer are skipped.</summary>
    public bool Applies(Op op) => op switch
    {
        CreatePair => _pairs < Op.MaxPairs,
        RegisterOp r => Alive(r.End),
        ReregisterOp r => Alive(r.End),
        DeregisterOp d => Alive(d.End),
        WriteOp w => Alive(w.End) && !_ends[w.End].ShutWr && !_ends[w.End ^ 1].Closed,
        ReadAllOp r => Alive(r.End),
        ShutdownOp s => Alive(s.End) && !_ends[s.End].ShutWr,
        CloseOp c => Alive(c.End),
        ArmTimerOp or DisarmTimerOp => capabilities.Timers,
        _ => true,
    };

    /// <summary>Applies a step that is not a wait and returns its expected outcome: "ok", "read N", or an exception's type name.</summary>
    public string Step(Op op)
    {
        switch (op)
        {
            case CreatePair:
                _ends[2 * _pairs].Exists = _ends[2 * _pairs + 1].Exists = true;
                _pairs++;
                return "ok";
            case RegisterOp r:
                if (!capabilities.Supports(r.Mode))
                {
                    return nameof(System.NotSupportedException);
                }

                if (_ends[r.End].Reg is not null)
                {
                    return nameof(AlreadyRegisteredException);
                }

                _ends[r.End].Reg = new Reg(Op.TokenOf(r.End, r.Key), r.Interest, r.Mode);
                return "ok";
            case ReregisterOp r:
                if (!capabilities.Supports(r.Mode))
                {
                    return nameof(System.NotSupportedException);
                }

                if (_ends[r.End].Reg is null)
                {
                    return nameof(NotRegisteredException);
                }

                _ends[r.End].Reg = new Reg(Op.TokenOf(r.End, r.Key), r.Interest, r.Mode);
                return "ok";
            case DeregisterOp d:
                if (_ends[d.End].Reg is null)
                {
                    return nameof(NotRegisteredException);
                }

                _ends[d.End].Reg = null;
                return "ok";
            case WriteOp w:
                var reader = _ends[w.End ^ 1];
                reader.Buffered += w.Bytes;
                Wakeup(reader, Interest.Readable, Tri.Yes, Tri.No);
                return "ok";
            case ReadAllOp r:
                var end = _ends[r.End];
                var read = end.Buffered;
                if (read > 0)
                {
                    // Freeing the writer's buffer space wakes the writer for writing.
                    var writer = _ends[r.End ^ 1];
                    Wakeup(writer, Interest.Writable, Tri.No, writer.ShutWr ? Tri.Maybe : Tri.Yes);
                }

                end.Buffered = 0;
                return $"read {read}";
            case ShutdownOp s:
                _ends[s.End].ShutWr = true;
                Wakeup(_ends[s.End], 0, Tri.Maybe, Tri.Yes);
                Wakeup(_ends[s.End ^ 1], 0, Tri.Yes, Tri.Maybe);
                return "ok";
            case CloseOp c:
                _ends[c.End].Reg = null;
                _ends[c.End].Closed = true;
                Wakeup(_ends[c.End ^ 1], 0, Tri.Yes, Tri.Yes);
                return "ok";
            case WakeOp:
                _wakePending = true;
                return "ok";
            case ArmTimerOp a:
                _timerDue = a.DueNow; // a new schedule drops an expiration not yet consumed
                return "ok";
            case DisarmTimerOp:
                _timerDue = false;
                return "ok";
            default:
                throw new System.ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    /// <summary>
    /// Checks one wait's events against the model and moves the model on (oneshots that fired disarm, edges
    /// are consumed, the waker's wake is consumed). Returns null when they agree, else what differs.
    /// <paramref name="canonical"/> is the observation with every "may differ" part left out, for
    /// comparing backends with each other.
    /// </summary>
    public string? Wait(IReadOnlyList<ObservedEvent> observed, out string canonical)
    {
        var problems = new StringBuilder();
        var shown = new List<string>();
        var byToken = new Dictionary<ulong, ObservedEvent>();
        foreach (var e in observed)
        {
            if (!byToken.TryAdd(e.Token, e))
            {
                problems.Append($"token {e.Token} reported twice; ");
            }
        }

        if (byToken.Remove(WakerToken))
        {
            if (!_wakePending)
            {
                problems.Append("waker reported without a wake; ");
            }

            shown.Add("waker");
        }
        else if (_wakePending)
        {
            problems.Append("waker not reported; ");
        }

        _wakePending = false;

        if (byToken.Remove(TimerToken))
        {
            if (!_timerDue)
            {
                problems.Append("timer reported before its deadline, or after Disarm or a new schedule; ");
            }

            shown.Add("timer");
        }
        else if (_timerDue)
        {
            problems.Append("timer due but not reported; ");
        }

        _timerDue = false; // the runner consumes every expiration a wait reports

        for (var i = 0; i < _ends.Length; i++)
        {
            var end = _ends[i];
            if (end.Reg is not { } reg)
            {
                continue;
            }

            var expected = Expected(i, reg);
            var seen = byToken.Remove(reg.Token, out var actual);
            if (expected.Present == Tri.Yes && !seen)
            {
                problems.Append($"{reg.Token} ({Op.EndName(i)}) expected {expected}, not reported; ");
            }
            else if (expected.Present == Tri.No && seen)
            {
                problems.Append($"{reg.Token} ({Op.EndName(i)}) reported {actual}, expected nothing; ");
            }
            else if (seen)
            {
                if (Differs(actual.Readable, expected.Readable) || Differs(actual.ReadClosed, expected.ReadClosed)
                    || Differs(actual.Writable, expected.Writable))
                {
                    problems.Append($"{reg.Token} ({Op.EndName(i)}) reported {actual}, expected {expected}; ");
                }

                if (expected.Present == Tri.Yes)
                {
                    shown.Add($"{reg.Token}:{Show(actual.Readable, expected.Readable, "R")}{Show(actual.Writable, expected.Writable, "W")}{Show(actual.ReadClosed, expected.ReadClosed, "C")}");
                }

                if (reg.Mode == PollMode.Oneshot)
                {
                    reg.Armed = false;
                }
            }

            reg.PendingRead = Tri.No;
            reg.PendingWrite = Tri.No;
        }

        foreach (var stray in byToken.Values)
        {
            problems.Append($"{stray} carries a token that is not registered; ");
        }

        shown.Sort(System.StringComparer.Ordinal);
        canonical = "[" + string.Join(" ", shown) + "]";
        return problems.Length == 0 ? null : problems.ToString();
    }

    /// <summary>A description of every registration's state, for a failure message.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 2 * _pairs; i++)
        {
            var e = _ends[i];
            text.Append($"{Op.EndName(i)}: buffered {e.Buffered}{(e.ShutWr ? ", shut wr" : "")}{(e.Closed ? ", closed" : "")}");
            if (e.Reg is { } r)
            {
                text.Append($", token {r.Token} {Op.Describe(r.Interest)} {r.Mode}{(r.Armed ? "" : " disarmed")}{(r.Mode == PollMode.Edge ? $" pending read {r.PendingRead} write {r.PendingWrite}" : "")}");
            }

            text.Append("; ");
        }

        return text.ToString();
    }

    private bool Alive(int end) => _ends[end].Exists && !_ends[end].Closed;

    private static bool Differs(bool actual, Tri expected) => expected != Tri.Maybe && actual != (expected == Tri.Yes);

    private static string Show(bool actual, Tri expected, string letter) => expected == Tri.Maybe ? "?" : actual ? letter : "";

    private Expectation Expected(int i, Reg reg)
    {
        var end = _ends[i];
        var peer = _ends[i ^ 1];
        var readEof = peer.ShutWr || peer.Closed;
        var hangUp = peer.Closed || (end.ShutWr && peer.ShutWr);
        var wantsRead = (reg.Interest & Interest.Readable) != 0;
        var readable = wantsRead && (end.Buffered > 0 || readEof);
        // XNU's poll() turns a read EOF into POLLHUP and then drops POLLOUT from the write filter's result
        // (poll_callback in xnu bsd/kern/sys_generic.c: "if (!(fds->revents & POLLHUP))"), so with both
        // directions watched a socket whose peer shut down writing may show as not writable on macOS.
        var hangUpHidesWritable = System.OperatingSystem.IsMacOS() && wantsRead && readEof;
        var writable = (reg.Interest & Interest.Writable) == 0 ? Tri.No
            : end.ShutWr || peer.Closed || hangUpHidesWritable ? Tri.Maybe
            : Tri.Yes;
        // macOS's poll(2) reports POLLHUP for an EOF on either of its filters, so shutting down one's own
        // writing shows as a hang-up there when writes are watched.
        var ownHangUp = end.ShutWr && (reg.Interest & Interest.Writable) != 0;
        var readClosed = wantsRead && readEof ? Tri.Yes : hangUp || ownHangUp ? Tri.Maybe : Tri.No;

        if (reg.Mode != PollMode.Edge)
        {
            var level = readable || hangUp ? Tri.Yes : writable;
            var present = reg.Mode == PollMode.Oneshot && !reg.Armed ? Tri.No : level;
            return new Expectation(present, readable ? Tri.Yes : Tri.No, writable, readClosed);
        }

        // Edge: certain where a direction's own wakeup meets its readiness; possible where any wakeup
        // meets any readiness (epoll then reports all of it, kqueue only the filters that were woken).
        var certain = (reg.PendingRead == Tri.Yes && readable) || (reg.PendingWrite == Tri.Yes && writable == Tri.Yes);
        var woken = reg.PendingRead != Tri.No || reg.PendingWrite != Tri.No;
        var possible = woken && (readable || hangUp || writable != Tri.No);
        var edgePresent = certain ? Tri.Yes : possible ? Tri.Maybe : Tri.No;
        return new Expectation(
            edgePresent,
            !readable ? Tri.No : reg.PendingRead == Tri.Yes ? Tri.Yes : Tri.Maybe,
            writable == Tri.No ? Tri.No : writable == Tri.Yes && reg.PendingWrite == Tri.Yes ? Tri.Yes : Tri.Maybe,
            readClosed == Tri.Yes && reg.PendingRead != Tri.Yes ? Tri.Maybe : readClosed);
    }

    /// <summary>
    /// A wakeup of an end: edge registrations whose interest matches the wakeup (0: any) become pending,
    /// for reading and for writing as <paramref name="read"/> and <paramref name="write"/> say.
    /// </summary>
    private static void Wakeup(End end, Interest key, Tri read, Tri write)
    {
        if (end.Reg is { Mode: PollMode.Edge } reg && (key == 0 || (reg.Interest & key) != 0))
        {
            if (read > reg.PendingRead)
            {
                reg.PendingRead = read;
            }

            if (write > reg.PendingWrite)
            {
                reg.PendingWrite = write;
            }
        }
    }

    private readonly record struct Expectation(Tri Present, Tri Readable, Tri Writable, Tri ReadClosed)
    {
        public override string ToString() => $"{Present} {Letter(Readable, "R")}{Letter(Writable, "W")}{Letter(ReadClosed, "C")}";

        private static string Letter(Tri value, string letter) => value == Tri.Yes ? letter : value == Tri.Maybe ? letter.ToLowerInvariant() + "?" : "";
    }

    private sealed class End
    {
        public bool Exists;
        public bool Closed;
        public bool ShutWr;
        public int Buffered;
        public Reg? Reg;
    }

    private sealed class Reg(ulong token, Interest interest, PollMode mode)
    {
        public ulong Token { get; } = token;

        public Interest Interest { get; } = interest;

        public PollMode Mode { get; } = mode;

        public bool Armed { get; set; } = true;

        /// <summary>Edge mode: a registration (or a change) checks readiness once in each direction, as a wakeup does.</summary>
        public Tri PendingRead { get; set; } = mode == PollMode.Edge ? Tri.Yes : Tri.No;

        /// <summary>Edge mode: the same for writing.</summary>
        public Tri PendingWrite { get; set; } = mode == PollMode.Edge ? Tri.Yes : Tri.No;
    }
}
