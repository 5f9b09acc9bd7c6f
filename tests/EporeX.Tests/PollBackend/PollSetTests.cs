using System.Linq;
using EporeX.Fallback;
using Microsoft.Win32.SafeHandles;
using static EporeX.Fallback.Interop.Poll;

namespace EporeX.Tests.PollBackend;

/// <summary>
/// The table and the pollfd array without the kernel: a test plays poll() by writing revents, so that
/// the races with a blocked poll() (a removal or a change while it runs) are exact, not timing-dependent.
/// The descriptor numbers are never passed to the kernel.
/// </summary>
public sealed unsafe class PollSetTests
{
    private const int NotifyFd = 3;
    private static readonly short RdHup = POLLRDHUP;

    [Fact]
    public void The_read_hang_up_bit_is_left_out_where_the_queue_says_so()
    {
        // FreeBSD's vop_stdpoll (sys/kern/vfs_default.c) never reports a regular file asked for POLLRDHUP
        using var set = new PollSet(RdHup);
        set.Add(10, Level(1));
        set.Add(11, Level(2), readHangUp: false);
        set.Rebuild(NotifyFd);
        Assert.Equal(POLLIN | POLLOUT | RdHup, set.Entries[1].Events);
        Assert.Equal(POLLIN | POLLOUT, set.Entries[2].Events);

        set.Replace(10, Level(3), readHangUp: false);
        set.Replace(11, Level(4));
        set.Rebuild(NotifyFd);
        Assert.Equal(POLLIN | POLLOUT, set.Entries[1].Events);
        Assert.Equal(POLLIN | POLLOUT | RdHup, set.Entries[2].Events);
    }

    [Fact]
    public void A_descriptor_deregistered_while_poll_runs_reports_nothing()
    {
        using var set = new PollSet(RdHup);
        set.Add(10, Level(1));
        set.Rebuild(NotifyFd);
        PollReports(set, 10, POLLIN);

        set.Remove(10);

        Assert.Empty(Deliver(set, 8, ready: 1));
    }

    [Fact]
    public void A_descriptor_reregistered_while_poll_runs_reports_only_the_new_token_after_a_rebuild()
    {
        using var set = new PollSet(RdHup);
        set.Add(10, Level(1));
        set.Rebuild(NotifyFd);
        PollReports(set, 10, POLLIN);

        set.Replace(10, Level(2));
        Assert.Empty(Deliver(set, 8, ready: 1));

        Assert.True(set.Dirty);
        set.Rebuild(NotifyFd);
        PollReports(set, 10, POLLIN);
        Assert.Equal([new Token(2)], Deliver(set, 8, ready: 1).Select(e => e.Token));
    }

    [Fact]
    public void A_slot_moved_by_another_removal_while_poll_runs_is_still_reported()
    {
        using var set = new PollSet(RdHup);
        set.Add(10, Level(1));
        set.Add(11, Level(2));
        set.Rebuild(NotifyFd);
        PollReports(set, 11, POLLIN);

        set.Remove(10); // 11 moves into 10's slot

        var e = Assert.Single(Deliver(set, 8, ready: 1));
        Assert.Equal(new Token(2), e.Token);
        Assert.True(e.IsReadable);
    }

    [Fact]
    public void POLLNVAL_drops_the_descriptor_without_an_event_and_for_good()
    {
        using var set = new PollSet(RdHup);
        set.Add(10, Level(1));
        set.Rebuild(NotifyFd);
        PollReports(set, 10, POLLNVAL);

        Assert.Empty(Deliver(set, 8, ready: 1));
        Assert.True(set.IsStale(10));
        Assert.Equal(-1, Entry(set, 1).Fd); // the next poll() skips it: no spinning on POLLNVAL

        set.Add(11, Level(2));
        set.Rebuild(NotifyFd);
        Assert.Equal(-1, Entry(set, 1).Fd); // and a rebuild keeps it skipped

        set.Replace(10, Level(3)); // the number registered again: watched again
        set.Rebuild(NotifyFd);
        Assert.False(set.IsStale(10));
        Assert.Equal(10, Entry(set, 1).Fd);
    }

    [Fact]
    public void A_descriptor_whose_handle_object_is_closed_is_dropped_even_if_its_number_is_ready()
    {
        using var set = new PollSet(RdHup);
        var handle = new SafeFileHandle(10, ownsHandle: false);
        set.Add(10, new Registration(new Token(1), Interest.Readable, PollMode.Level, handle));
        set.Rebuild(NotifyFd);
        handle.Dispose(); // the number may now name another descriptor, which poll() finds ready
        PollReports(set, 10, POLLIN);

        Assert.Empty(Deliver(set, 8, ready: 1));
        Assert.True(set.IsStale(10));
        Assert.Equal(-1, Entry(set, 1).Fd);
    }

    [Fact]
    public void Oneshot_is_disarmed_in_place_without_a_rebuild_until_replaced()
    {
        using var set = new PollSet(RdHup);
        set.Add(10, new Registration(new Token(1), Interest.Readable, PollMode.Oneshot));
        set.Rebuild(NotifyFd);
        PollReports(set, 10, POLLIN | POLLHUP);

        var e = Assert.Single(Deliver(set, 8, ready: 1));
        Assert.True(e.IsReadClosed);
        Assert.False(set.Dirty);
        // -1, not events = 0: poll() would still report POLLHUP for events = 0, and the wait would spin.
        Assert.Equal(-1, Entry(set, 1).Fd);

        set.Add(11, Level(2));
        set.Rebuild(NotifyFd);
        Assert.Equal(-1, Entry(set, 1).Fd);

        set.Replace(10, new Registration(new Token(1), Interest.Readable, PollMode.Oneshot));
        set.Rebuild(NotifyFd);
        Assert.Equal(10, Entry(set, 1).Fd);
        Assert.Equal(POLLIN | POLLRDHUP, Entry(set, 1).Events);
    }

    [Fact]
    public void The_pipe_is_entry_zero_and_a_rebuild_happens_only_after_a_change()
    {
        using var set = new PollSet(RdHup);
        Assert.True(set.Dirty);
        set.Rebuild(NotifyFd);
        Assert.False(set.Dirty);
        Assert.Equal(1, set.EntryCount);
        Assert.Equal(NotifyFd, Entry(set, 0).Fd);
        Assert.Equal(POLLIN, Entry(set, 0).Events);

        set.Add(10, Level(1));
        Assert.True(set.Dirty);
        set.Rebuild(NotifyFd);
        PollReports(set, 10, POLLIN);
        Deliver(set, 8, ready: 1);
        Assert.False(set.Dirty); // delivering level events changes nothing
    }

    [Fact]
    public void The_scan_rotates_so_that_with_three_times_the_capacity_ready_each_round_delivers_the_next_ones()
    {
        const int capacity = 16;
        const int registered = 100;
        using var set = new PollSet(RdHup);
        for (var fd = 0; fd < registered; fd++)
        {
            set.Add(1000 + fd, Level((ulong)fd));
        }

        set.Rebuild(NotifyFd); // grows the native array past its first capacity
        var ready = Enumerable.Range(0, registered).Where(i => i % 2 == 1).Take(capacity * 3).ToArray();
        var rounds = new ulong[4][];
        for (var round = 0; round < rounds.Length; round++)
        {
            foreach (var i in ready)
            {
                PollReports(set, 1000 + i, POLLIN); // level-triggered: poll() reports them every time
            }

            rounds[round] = Deliver(set, capacity, ready.Length).Select(e => e.Token.Value).ToArray();
            Assert.Equal(capacity, rounds[round].Length);
            ClearRevents(set);
        }

        Assert.Equal(ready.Select(i => (ulong)i), rounds.Take(3).SelectMany(r => r));
        Assert.Equal(rounds[0], rounds[3]); // then it starts over: nobody starves, nobody is served twice first
    }

    [Fact]
    public void Removing_slots_keeps_the_table_consistent()
    {
        using var set = new PollSet(RdHup);
        for (var fd = 10; fd < 20; fd++)
        {
            set.Add(fd, Level((ulong)fd));
        }

        foreach (var fd in new[] { 10, 19, 14, 15 })
        {
            Assert.True(set.Remove(fd));
        }

        Assert.False(set.Remove(10));
        Assert.Equal(6, set.Count);
        set.Rebuild(NotifyFd);
        var fds = Enumerable.Range(1, set.Count).Select(i => Entry(set, i).Fd).Order().ToArray();
        Assert.Equal([11, 12, 13, 16, 17, 18], fds);
        foreach (var fd in fds)
        {
            PollReports(set, fd, POLLOUT);
        }

        Assert.Equal(fds.Select(fd => (ulong)fd), Deliver(set, 8, fds.Length).Select(e => e.Token.Value).Order());
    }

    private static Registration Level(ulong token) => new(new Token(token), Interest.Readable | Interest.Writable, PollMode.Level);

    private static ref Interop.PollFd Entry(PollSet set, int index) => ref set.Entries[index];

    private static void PollReports(PollSet set, int fd, int revents)
    {
        for (var i = 1; i < set.EntryCount; i++)
        {
            if (set.Entries[i].Fd == fd)
            {
                set.Entries[i].Revents = (short)revents;
                return;
            }
        }

        Assert.Fail($"descriptor {fd} is not in the pollfd array");
    }

    private static void ClearRevents(PollSet set)
    {
        for (var i = 0; i < set.EntryCount; i++)
        {
            set.Entries[i].Revents = 0;
        }
    }

    private static Event[] Deliver(PollSet set, int capacity, int ready)
    {
        var events = new Event[capacity];
        var n = set.Deliver(events, 0, ready);
        return events[..n];
    }
}
