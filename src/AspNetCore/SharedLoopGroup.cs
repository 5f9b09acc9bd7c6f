using System;
using System.Threading.Tasks;

namespace EporeX.AspNetCore;

/// <summary>
/// The one <see cref="EventLoopGroup"/> every listener of a transport factory serves its connections on
/// (Kestrel binds "localhost" as two listeners, IPv4 and IPv6: they share the loops). Created by the first
/// lease, disposed (its threads joined) when the last lease is returned; a later bind starts a new one.
/// </summary>
internal sealed class SharedLoopGroup(Func<EventLoopGroup> create)
{
    private readonly object _gate = new();
    private EventLoopGroup? _group;
    private int _leases;

    /// <summary>The group, started if none runs; give it back with <see cref="ReturnAsync"/>.</summary>
    public EventLoopGroup Lease()
    {
        lock (_gate)
        {
            _group ??= create();
            _leases++;
            return _group;
        }
    }

    /// <summary>Gives a lease back; the last one disposes the group and waits for its threads.</summary>
    public ValueTask ReturnAsync(EventLoopGroup group)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(group, _group) || --_leases > 0)
            {
                return ValueTask.CompletedTask;
            }

            _group = null;
        }

        return group.DisposeAsync();
    }
}
