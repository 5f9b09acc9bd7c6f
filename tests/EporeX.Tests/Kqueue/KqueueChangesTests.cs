using System.Collections.Generic;
using System.Linq;
using EporeX.Bsd.Kqueue;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Tests.Kqueue;

/// <summary>(interest, mode, previous registration) → change list, for every combination on every platform.</summary>
public sealed class KqueueChangesTests
{
    private static readonly Interest[] Interests = [0, Interest.Readable, Interest.Writable, Interest.Readable | Interest.Writable];
    private static readonly PollMode[] Modes = [PollMode.Level, PollMode.Edge, PollMode.Oneshot, PollMode.EdgeOneshot];

    [Theory]
    [InlineData(PollMode.Level, 0u)]
    [InlineData(PollMode.Edge, EV_CLEAR)]
    [InlineData(PollMode.Oneshot, EV_ONESHOT)]
    [InlineData(PollMode.EdgeOneshot, EV_CLEAR | EV_ONESHOT)]
    public void Modes_become_kevent_flags(PollMode mode, uint flags) =>
        Assert.Equal(flags, KqueueTranslation.ModeFlags(mode));

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Register_adds_one_filter_per_interest_with_a_receipt(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var changes = Changes(p, 0, PollMode.Level, Interest.Readable | Interest.Writable, PollMode.Edge);
        var read = new KeventChange(p.ReadFilter, EV_ADD | EV_RECEIPT | EV_CLEAR | p.ReadExtraFlags, p.ReadExtraFflags, false);
        var write = new KeventChange(p.WriteFilter, EV_ADD | EV_RECEIPT | EV_CLEAR, 0, false);
        Assert.Equal(p.AddKeepsKnote ? [write, read] : [read, write], changes); // libkqueue: the read add last
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Reregister_from_read_to_write_deletes_read_and_adds_write(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var changes = Changes(p, Interest.Readable, PollMode.Level, Interest.Writable, PollMode.Level);
        Assert.Equal(
            [
                new KeventChange(p.ReadFilter, EV_DELETE | EV_RECEIPT, 0, false),
                new KeventChange(p.WriteFilter, EV_ADD | EV_RECEIPT, 0, false),
            ],
            changes);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_mode_change_deletes_before_it_adds_and_tolerates_a_fired_oneshot(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var changes = Changes(p, Interest.Readable, PollMode.Oneshot, Interest.Readable, PollMode.Edge);
        Assert.Equal(
            [
                new KeventChange(p.ReadFilter, EV_DELETE | EV_RECEIPT, 0, true),
                new KeventChange(p.ReadFilter, EV_ADD | EV_RECEIPT | EV_CLEAR | p.ReadExtraFlags, p.ReadExtraFflags, false),
            ],
            changes);
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Deregister_of_a_fired_oneshot_tolerates_ENOENT_and_of_level_does_not(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        Assert.True(Changes(p, Interest.Readable, PollMode.EdgeOneshot, 0, PollMode.EdgeOneshot).Single().MayBeMissing);
        Assert.False(Changes(p, Interest.Readable, PollMode.Level, 0, PollMode.Level).Single().MayBeMissing);
    }

    /// <summary>FreeBSD drops a pipe writer's EVFILT_WRITE knote once the reader has closed (knlist_clear: EV_ONESHOT).</summary>
    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_write_filter_delete_tolerates_a_knote_the_kernel_dropped_in_every_mode(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        foreach (var mode in new[] { PollMode.Level, PollMode.Edge, PollMode.Oneshot, PollMode.EdgeOneshot })
        {
            Assert.True(Changes(p, Interest.Writable, mode, 0, mode).Single().MayBeMissing, mode.ToString());
            var toRead = Changes(p, Interest.Writable, mode, Interest.Readable, mode);
            Assert.True(toRead.Single(c => c.IsDelete).MayBeMissing, mode.ToString());
        }
    }

    /// <summary>Every (previous interest, previous mode, next interest, next mode) on every platform, against the rules.</summary>
    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void Every_combination_follows_the_rules(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var checkedCombinations = 0;
        foreach (var previous in Interests)
        {
            foreach (var previousMode in Modes)
            {
                foreach (var next in Interests)
                {
                    foreach (var nextMode in Modes)
                    {
                        var changes = Changes(p, previous, previousMode, next, nextMode);
                        var context = $"{previous}/{previousMode} -> {next}/{nextMode}: {string.Join(", ", changes)}";
                        Assert.True(changes.Count <= KqueueTranslation.MaxChanges, context);
                        Assert.All(changes, c => Assert.True((c.Flags & EV_RECEIPT) != 0, context));
                        Assert.All(changes, c => Assert.True(((c.Flags & EV_ADD) != 0) ^ c.IsDelete, context));
                        CheckFilter(p, p.ReadFilter, Interest.Readable, previous, previousMode, next, nextMode, changes, context);
                        CheckFilter(p, p.WriteFilter, Interest.Writable, previous, previousMode, next, nextMode, changes, context);
                        Assert.All(changes, c => Assert.True(c.Filter == p.ReadFilter || c.Filter == p.WriteFilter, context));
                        checkedCombinations++;
                    }
                }
            }
        }

        Assert.Equal(256, checkedCombinations);
    }

    private static void CheckFilter(KqueuePlatform p, int filter, Interest bit, Interest previous, PollMode previousMode, Interest next, PollMode nextMode, List<KeventChange> all, string context)
    {
        var changes = all.Where(c => c.Filter == filter).ToList();
        var had = (previous & bit) != 0;
        var wants = (next & bit) != 0;
        var oneshotBefore = previousMode is PollMode.Oneshot or PollMode.EdgeOneshot;
        if (!wants && !had)
        {
            Assert.True(changes.Count == 0, context);
            return;
        }

        if (!wants)
        {
            var delete = Assert.Single(changes);
            Assert.True(delete.IsDelete, context);
            Assert.True(delete.MayBeMissing == (oneshotBefore || filter == p.WriteFilter), context);
            return;
        }

        var add = changes[^1];
        var extraFlags = filter == p.ReadFilter ? p.ReadExtraFlags : 0;
        var extraFflags = filter == p.ReadFilter ? p.ReadExtraFflags : 0;
        Assert.True(add.Flags == (EV_ADD | EV_RECEIPT | KqueueTranslation.ModeFlags(nextMode) | extraFlags), context);
        Assert.True(add.Fflags == extraFflags, context);
        Assert.False(add.MayBeMissing, context);
        if (had && (previousMode != nextMode || p.AddKeepsKnote))
        {
            Assert.True(changes.Count == 2 && changes[0].IsDelete && changes[0].MayBeMissing, context);
        }
        else
        {
            Assert.True(changes.Count == 1, context);
        }
    }

    /// <summary>
    /// libkqueue keeps the old udata on EV_ADD of a knote that exists, and its one epoll registration per
    /// descriptor takes its flags from the last change: every existing filter is deleted first, and the
    /// read add (EPOLLRDHUP, EPOLLET) comes last. A BSD kernel gets a lone EV_ADD, read first.
    /// </summary>
    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void A_token_change_on_libkqueue_deletes_and_adds_again_and_a_kernel_gets_one_add(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        var changes = Changes(p, Interest.Readable | Interest.Writable, PollMode.Level, Interest.Readable | Interest.Writable, PollMode.Level);
        var readAdd = new KeventChange(p.ReadFilter, EV_ADD | EV_RECEIPT | p.ReadExtraFlags, p.ReadExtraFflags, false);
        var writeAdd = new KeventChange(p.WriteFilter, EV_ADD | EV_RECEIPT, 0, false);
        if (p.AddKeepsKnote)
        {
            Assert.Equal(
                [
                    new KeventChange(p.ReadFilter, EV_DELETE | EV_RECEIPT, 0, true),
                    new KeventChange(p.WriteFilter, EV_DELETE | EV_RECEIPT, 0, true),
                    writeAdd,
                    readAdd,
                ],
                changes);
        }
        else
        {
            Assert.Equal([readAdd, writeAdd], changes);
        }
    }

    [Fact]
    public void Only_libkqueue_replaces_knotes()
    {
        Assert.True(KqueuePlatform.LibKqueue.AddKeepsKnote);
        Assert.All([KqueuePlatform.MacOS, KqueuePlatform.FreeBSD, KqueuePlatform.OpenBSD, KqueuePlatform.NetBSD], p => Assert.False(p.AddKeepsKnote));
    }

    /// <summary>On libkqueue no add ever precedes a delete, and the read add is last whenever there is one.</summary>
    [Fact]
    public void On_libkqueue_deletes_come_first_and_the_read_add_last_in_every_combination()
    {
        var p = KqueuePlatform.LibKqueue;
        foreach (var previous in Interests)
        {
            foreach (var previousMode in Modes)
            {
                foreach (var next in Interests)
                {
                    foreach (var nextMode in Modes)
                    {
                        var changes = Changes(p, previous, previousMode, next, nextMode);
                        var context = $"{previous}/{previousMode} -> {next}/{nextMode}: {string.Join(", ", changes)}";
                        var firstAdd = changes.FindIndex(c => !c.IsDelete);
                        Assert.True(firstAdd < 0 || changes.Skip(firstAdd).All(c => !c.IsDelete), context);
                        var readAdd = changes.FindIndex(c => !c.IsDelete && c.Filter == p.ReadFilter);
                        Assert.True(readAdd < 0 || readAdd == changes.Count - 1, context);
                    }
                }
            }
        }
    }

    private static List<KeventChange> Changes(KqueuePlatform p, Interest previous, PollMode previousMode, Interest next, PollMode nextMode)
    {
        var buffer = new KeventChange[KqueueTranslation.MaxChanges];
        var n = KqueueTranslation.Changes(p, previous, previousMode, next, nextMode, buffer);
        return buffer.Take(n).ToList();
    }
}
