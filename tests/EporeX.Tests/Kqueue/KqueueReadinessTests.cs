using EporeX.Bsd.Kqueue;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Tests.Kqueue;

/// <summary>Returned kevents → readiness, with mio's meanings, and EV_ERROR receipts → errno, on every platform.</summary>
public sealed class KqueueReadinessTests
{
    private const int ECONNREFUSED_BSD = 61;

    public static TheoryData<string, bool, uint, uint, Readiness> Cases()
    {
        var data = new TheoryData<string, bool, uint, uint, Readiness>();
        foreach (var name in new[] { "macOS", "FreeBSD", "OpenBSD", "NetBSD", "Linux (libkqueue)" })
        {
            // name, read filter (else write), flags, fflags, expected
            data.Add(name, true, 0, 0, Readiness.Readable);
            data.Add(name, false, 0, 0, Readiness.Writable);
            data.Add(name, true, EV_EOF, 0, Readiness.Readable | Readiness.ReadClosed);
            data.Add(name, false, EV_EOF, 0, Readiness.Writable | Readiness.WriteClosed);
            data.Add(name, true, EV_EOF, ECONNREFUSED_BSD, Readiness.Readable | Readiness.ReadClosed | Readiness.Error);
            data.Add(name, false, EV_EOF, ECONNREFUSED_BSD, Readiness.Writable | Readiness.WriteClosed | Readiness.Error);
            data.Add(name, true, EV_ERROR, 0, Readiness.Readable | Readiness.Error);
            data.Add(name, false, EV_ERROR | EV_EOF, 0, Readiness.Writable | Readiness.WriteClosed | Readiness.Error);
            data.Add(name, true, EV_CLEAR | EV_ONESHOT, 5, Readiness.Readable); // fflags without EOF is no error
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_kevent_becomes_mios_readiness(string name, bool read, uint flags, uint fflags, Readiness expected)
    {
        var p = KqueuePlatforms.ByName(name);
        Assert.Equal(expected, KqueueTranslation.ToReadiness(p, read ? p.ReadFilter : p.WriteFilter, flags, fflags));
    }

    [Theory]
    [MemberData(nameof(KqueuePlatforms.Names), MemberType = typeof(KqueuePlatforms))]
    public void An_unknown_filter_is_no_readiness(string name)
    {
        var p = KqueuePlatforms.ByName(name);
        Assert.Equal(Readiness.None, KqueueTranslation.ToReadiness(p, 99, 0, 0));
    }

    public static TheoryData<string, bool, bool, bool, uint, long, int> Receipts()
    {
        var data = new TheoryData<string, bool, bool, bool, uint, long, int>();
        foreach (var name in new[] { "macOS", "FreeBSD", "OpenBSD", "NetBSD", "Linux (libkqueue)" })
        {
            // name, read filter, delete, may be missing, receipt flags, receipt data, expected errno
            data.Add(name, true, false, false, EV_ERROR, 0, 0); // EV_RECEIPT success: EV_ERROR with data 0
            data.Add(name, true, false, false, 0, 0, 0); // no EV_ERROR at all
            data.Add(name, true, false, false, EV_ERROR, 9, 9); // EBADF on add
            data.Add(name, true, true, false, EV_ERROR, 2, 2); // ENOENT on a delete that must exist
            data.Add(name, false, true, true, EV_ERROR, 2, 0); // ENOENT on a fired oneshot's delete
            data.Add(name, false, false, false, EV_ERROR, 32, 0); // EPIPE on EVFILT_WRITE add (macOS pipe without reader)
            data.Add(name, true, false, false, EV_ERROR, 32, 32); // EPIPE elsewhere is an error
            data.Add(name, true, false, false, EV_ERROR, 22, 22); // EINVAL
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Receipts))]
    public void A_receipt_reports_the_errno_of_its_own_change(string name, bool read, bool delete, bool mayBeMissing, uint flags, long data, int expected)
    {
        var p = KqueuePlatforms.ByName(name);
        var filter = read ? p.ReadFilter : p.WriteFilter;
        var change = new KeventChange(filter, (delete ? EV_DELETE : EV_ADD) | EV_RECEIPT, 0, mayBeMissing);
        var receipt = new Kevent(7, filter, flags, 0, data, 0);
        Assert.Equal(expected, KqueueTranslation.ReceiptError(p, change, receipt));
    }
}
