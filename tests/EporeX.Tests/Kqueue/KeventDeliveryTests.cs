using EporeX.Bsd.Kqueue;
using Microsoft.Win32.SafeHandles;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Tests.Kqueue;

/// <summary>Returned kevent lists, written by hand in each platform's layout, → the events a Wait delivers.</summary>
public sealed unsafe class KeventDeliveryTests
{
    private readonly record struct Returned(ulong Ident, bool Read, uint Flags = 0, uint Fflags = 0, long Data = 0, ulong Udata = 0, bool User = false);

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Read_and_write_kevents_of_one_descriptor_become_one_event(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        delivery.SetOwner(6, null);

        var events = Deliver(p, delivery, 4,
            new Returned(5, Read: true, Data: 3, Udata: 50),
            new Returned(6, Read: false, Data: 100, Udata: 60),
            new Returned(5, Read: false, Flags: EV_EOF, Udata: 50));

        Assert.Equal(
            [
                new Event(new Token(50), Readiness.Readable | Readiness.Writable | Readiness.WriteClosed),
                new Event(new Token(60), Readiness.Writable),
            ],
            events);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void The_next_wait_reports_a_descriptor_again(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 1)));
        Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 1)));
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void End_of_stream_is_read_closed_with_or_without_data_left(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        var withData = Deliver(p, delivery, 1, new Returned(5, Read: true, Flags: EV_EOF, Data: 4, Udata: 1));
        var without = Deliver(p, delivery, 1, new Returned(5, Read: true, Flags: EV_EOF, Data: 0, Udata: 1));
        Assert.Equal(Readiness.Readable | Readiness.ReadClosed, Assert.Single(withData).Readiness);
        Assert.Equal(Readiness.Readable | Readiness.ReadClosed, Assert.Single(without).Readiness);
    }

    [Fact]
    public void On_libkqueue_an_empty_queue_EOF_is_read_closed_only_when_the_socket_confirms_it()
    {
        var p = KqueuePlatform.LibKqueue;
        var asked = new System.Collections.Generic.List<int>();
        var closed = false;
        var delivery = new KeventDelivery(p, userFilter: true) { ConfirmReadClosed = fd => { asked.Add(fd); return closed; } };
        delivery.SetOwner(5, null);

        // libkqueue's SIOCINQ-is-0 EOF while the peer is still there: a readable hint, not read-closed.
        Assert.Equal(Readiness.Readable, Assert.Single(Deliver(p, delivery, 1, new Returned(5, Read: true, Flags: EV_EOF, Udata: 1))).Readiness);
        closed = true;
        Assert.Equal(Readiness.Readable | Readiness.ReadClosed, Assert.Single(Deliver(p, delivery, 1, new Returned(5, Read: true, Flags: EV_EOF, Udata: 1))).Readiness);
        Assert.Equal([5, 5], asked);

        // Not asked: EOF with bytes left (only a shutdown does that), with a socket error, or on the write filter.
        closed = false;
        Assert.Equal(Readiness.Readable | Readiness.ReadClosed, Assert.Single(Deliver(p, delivery, 1, new Returned(5, Read: true, Flags: EV_EOF, Data: 4, Udata: 1))).Readiness);
        Assert.True(Assert.Single(Deliver(p, delivery, 1, new Returned(5, Read: true, Flags: EV_EOF, Fflags: 104, Udata: 1))).Readiness.HasFlag(Readiness.ReadClosed));
        Assert.Equal(Readiness.Writable | Readiness.WriteClosed, Assert.Single(Deliver(p, delivery, 1, new Returned(5, Read: false, Flags: EV_EOF, Udata: 1))).Readiness);
        Assert.Equal(2, asked.Count);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void The_interrupt_is_skipped_and_a_waker_is_readable_with_its_token(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        var events = Deliver(p, delivery, 3,
            new Returned(KeventDelivery.InterruptIdent, Read: true, Udata: 0, User: true),
            new Returned(1, Read: true, Udata: 77, User: true),
            new Returned(2, Read: true, Udata: 78, User: true));
        Assert.Equal([new Event(new Token(77), Readiness.Readable), new Event(new Token(78), Readiness.Readable)], events);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Without_EVFILT_USER_the_interrupt_and_waker_pipes_are_told_apart_from_descriptors(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: false);
        delivery.SetKind(3, DescriptorKind.InterruptPipe);
        delivery.SetKind(4, DescriptorKind.WakerPipe);
        delivery.SetOwner(5, null);
        var events = Deliver(p, delivery, 3,
            new Returned(3, Read: true, Data: 1),
            new Returned(4, Read: true, Data: 1, Udata: 9),
            new Returned(5, Read: true, Data: 1, Udata: 10));
        Assert.Equal([new Event(new Token(9), Readiness.Readable), new Event(new Token(10), Readiness.Readable)], events);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_descriptor_whose_handle_was_closed_is_never_reported(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        var closed = new SafeFileHandle(999_999, ownsHandle: false);
        closed.Dispose();
        using var open = new SafeFileHandle(999_998, ownsHandle: false);
        delivery.SetOwner(5, closed);
        delivery.SetOwner(6, open);
        var events = Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 1), new Returned(6, Read: true, Udata: 2));
        Assert.Equal([new Event(new Token(2), Readiness.Readable)], events);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_descriptor_beyond_the_tables_is_still_delivered(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(200, null); // grows the tables
        var events = Deliver(p, delivery, 3, new Returned(200, Read: true, Udata: 1), new Returned(200, Read: false, Udata: 1), new Returned(5000, Read: true, Udata: 2));
        Assert.Equal([new Event(new Token(1), Readiness.Readable | Readiness.Writable), new Event(new Token(2), Readiness.Readable)], events);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_oneshot_pair_reports_once_until_armed_again(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        delivery.Arm(5, new Token(5), oneshot: true);

        Assert.Equal(Readiness.Writable, Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: false, Udata: 7))).Readiness);
        Assert.Empty(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 7))); // the read knote was still armed in the kernel

        delivery.Arm(5, new Token(5), oneshot: true); // Reregister
        Assert.Equal(Readiness.Readable, Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 7))).Readiness);
        Assert.Empty(Deliver(p, delivery, 2, new Returned(5, Read: false, Udata: 7)));
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Both_knotes_of_a_oneshot_pair_in_one_wait_are_one_event(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        delivery.Arm(5, new Token(5), oneshot: true);

        var e = Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 7), new Returned(5, Read: false, Udata: 7)));
        Assert.Equal(Readiness.Readable | Readiness.Writable, e.Readiness);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_pair_armed_after_the_wait_began_is_not_disarmed_by_that_wait(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        var before = delivery.Changes;
        delivery.Arm(5, new Token(5), oneshot: true); // a Reregister on another thread while the kevent call ran

        Assert.Single(DeliverAfter(p, delivery, before, new Returned(5, Read: true, Udata: 7)));
        Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: false, Udata: 7)));
        Assert.Empty(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 7)));
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Other_registrations_are_never_disarmed_here(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        delivery.Arm(5, new Token(5), oneshot: true);
        delivery.Arm(5, new Token(5), oneshot: false); // reregistered as level, or deregistered

        for (var i = 0; i < 3; i++)
        {
            Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: i % 2 == 0, Udata: 7)));
        }

        Assert.True(KqueueTranslation.IsOneshot(PollMode.Oneshot));
        Assert.True(KqueueTranslation.IsOneshot(PollMode.EdgeOneshot));
        Assert.False(KqueueTranslation.IsOneshot(PollMode.Level));
        Assert.False(KqueueTranslation.IsOneshot(PollMode.Edge));
    }

    /// <summary>
    /// Every kqueue deletes a oneshot knote when it reports, so "its knotes are gone" cannot tell a fired
    /// registration from a closed descriptor: the first report marks it fired, and a fired one is a
    /// duplicate, never stale, as on epoll (EEXIST) and poll(2).
    /// </summary>
    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_oneshot_that_reported_is_marked_fired_until_armed_again(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var delivery = new KeventDelivery(p, userFilter: true);
        delivery.SetOwner(5, null);
        delivery.Arm(5, new Token(5), oneshot: true);
        Assert.False(delivery.HasFired(5));
        Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 7)));
        Assert.True(delivery.HasFired(5));

        delivery.Arm(5, new Token(5), oneshot: true); // Reregister re-arms it
        Assert.False(delivery.HasFired(5));
        delivery.Arm(5, new Token(5), oneshot: false); // level: never fired
        Assert.Single(Deliver(p, delivery, 2, new Returned(5, Read: true, Udata: 7)));
        Assert.False(delivery.HasFired(5));
        Assert.False(delivery.HasFired(100_000)); // beyond the tables
    }

    [Theory]
    [InlineData(PollMode.Oneshot, true, false, false)] // fired: still registered
    [InlineData(PollMode.EdgeOneshot, true, false, false)]
    [InlineData(PollMode.Oneshot, false, false, true)] // armed and its knotes gone: closed behind our back
    [InlineData(PollMode.Level, false, false, true)]
    [InlineData(PollMode.Edge, true, false, true)] // "fired" means nothing outside oneshot
    [InlineData(PollMode.Level, false, true, false)] // an open handle names the same descriptor
    [InlineData(PollMode.Oneshot, false, true, false)]
    public void Only_a_raw_registration_that_has_not_fired_can_be_stale(PollMode mode, bool fired, bool handle, bool couldBeStale)
    {
        using var owner = new SafeFileHandle(-1, ownsHandle: false);
        var stale = new Registration(new Token(1), Interest.Readable, mode, handle ? owner : null);
        Assert.Equal(couldBeStale, KqueueEventQueue.CouldBeStale(stale, fired));
    }

    private static Event[] DeliverAfter(KqueuePlatform p, KeventDelivery delivery, long changesBefore, Returned returned)
    {
        var layout = p.Layout;
        var buffer = new byte[layout.Size];
        var events = new Event[2];
        int n;
        fixed (byte* b = buffer)
        {
            layout.Write(b, returned.Ident, returned.Read ? p.ReadFilter : p.WriteFilter, returned.Flags, returned.Fflags, returned.Udata, returned.Data);
            n = delivery.Deliver(b, 1, events, changesBefore);
        }

        return events[..n];
    }

    private static Event[] Deliver(KqueuePlatform p, KeventDelivery delivery, int capacity, params Returned[] returned)
    {
        var layout = p.Layout;
        var buffer = new byte[layout.Size * returned.Length];
        var events = new Event[capacity];
        int n;
        fixed (byte* b = buffer)
        {
            for (var i = 0; i < returned.Length; i++)
            {
                var r = returned[i];
                var filter = r.User ? p.UserFilter!.Value : r.Read ? p.ReadFilter : p.WriteFilter;
                layout.Write(b + (i * layout.Size), r.Ident, filter, r.Flags, r.Fflags, r.Udata, r.Data);
            }

            n = delivery.Deliver(b, returned.Length, events);
        }

        return events[..n];
    }
}
