using System.Linq;
using EporeX.Bsd.Kqueue;

namespace EporeX.Tests.Kqueue;

/// <summary>
/// What libkqueue's surplus keeps and delivers, with decoded events written by hand: a readiness the wait
/// consumed is kept while it belongs to its registration, whenever that registration was made; it is
/// dropped only where the kernel reports afresh (a change after the wait) or nothing is registered.
/// </summary>
public sealed class LibKqueueSurplusTests
{
    [Fact]
    public void Events_of_registrations_made_while_the_wait_ran_are_kept_and_delivered_later()
    {
        var delivery = new KeventDelivery(KqueuePlatform.LibKqueue, userFilter: true);
        var surplus = new LibKqueueSurplus();
        for (var fd = 10; fd < 16; fd++)
        {
            delivery.Arm(fd, new Token((ulong)fd), oneshot: false); // after the wait read Changes: a loop registering as it waits
        }

        var decoded = Decode(surplus, Enumerable.Range(10, 6).Select(fd => (fd, (ulong)fd)).ToArray());
        var first = new Event[2];
        Assert.Equal(2, surplus.Split(decoded, first, 0, delivery));

        var rest = new Event[8];
        Assert.Equal(4, surplus.Take(rest, delivery));
        Assert.Equal([12UL, 13, 14, 15], rest.Take(4).Select(e => e.Token.Value));
    }

    [Fact]
    public void An_event_copied_out_before_a_new_token_or_a_deregistration_is_not_kept()
    {
        var delivery = new KeventDelivery(KqueuePlatform.LibKqueue, userFilter: true);
        var surplus = new LibKqueueSurplus();
        delivery.Arm(5, new Token(50), oneshot: false);
        delivery.Arm(6, new Token(60), oneshot: false);
        delivery.Arm(7, new Token(70), oneshot: false);
        delivery.Arm(6, new Token(61), oneshot: false); // reregistered after libkqueue copied out token 60
        delivery.Disarm(7);

        var decoded = Decode(surplus, (5, 50), (6, 60), (7, 70));
        Assert.Equal(0, surplus.Split(decoded, System.Array.Empty<Event>(), 0, delivery));

        var later = new Event[4];
        Assert.Equal(1, surplus.Take(later, delivery));
        Assert.Equal(new Token(50), later[0].Token);
    }

    [Fact]
    public void A_kept_event_is_dropped_once_its_registration_changes()
    {
        var delivery = new KeventDelivery(KqueuePlatform.LibKqueue, userFilter: true);
        var surplus = new LibKqueueSurplus();
        delivery.Arm(5, new Token(50), oneshot: false);
        delivery.Arm(6, new Token(60), oneshot: false);
        Assert.Equal(0, surplus.Split(Decode(surplus, (5, 50), (6, 60)), System.Array.Empty<Event>(), 0, delivery));

        delivery.Arm(5, new Token(51), oneshot: false); // its EV_DELETE and EV_ADD report afresh under 51
        delivery.Disarm(6);

        Assert.Equal(0, surplus.Take(new Event[4], delivery));
    }

    [Fact]
    public void A_descriptor_taken_from_the_kept_events_and_reported_again_by_the_top_up_is_one_event()
    {
        var delivery = new KeventDelivery(KqueuePlatform.LibKqueue, userFilter: true);
        var surplus = new LibKqueueSurplus();
        delivery.Arm(5, new Token(50), oneshot: false);
        delivery.Arm(6, new Token(60), oneshot: false);
        delivery.Arm(7, new Token(70), oneshot: false);
        Assert.Equal(1, surplus.Split(Decode(surplus, (5, 50), (6, 60)), new Event[1], 0, delivery));

        var events = new Event[2];
        var taken = surplus.Take(events, delivery);
        Assert.Equal(1, taken); // 6: fewer than the buffer holds, so the wait asks the kernel without blocking
        var decoded = Decode(surplus, (6, 60), (7, 70), (5, 50));
        Assert.Equal(2, surplus.Split(decoded, events, taken, delivery));
        Assert.Equal([new Token(60), new Token(70)], events.Select(e => e.Token));
        Assert.Equal(1, surplus.Take(new Event[2], delivery)); // 5 was kept for the next wait
    }

    private static int Decode(LibKqueueSurplus surplus, params (int Fd, ulong Token)[] events)
    {
        for (var i = 0; i < events.Length; i++)
        {
            surplus.Decoded[i] = new Event(new Token(events[i].Token), Readiness.Readable);
            surplus.DecodedDescriptors[i] = events[i].Fd;
        }

        return events.Length;
    }
}
