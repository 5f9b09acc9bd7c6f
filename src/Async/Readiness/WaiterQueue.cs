using System.Threading;

namespace EporeX;

/// <summary>
/// A cell's waiters, first come first served, linked through the nodes themselves (nothing allocated per
/// await), and the pool of nodes whose awaits are over. Guarded by the cell's lock, except
/// <see cref="IsEmpty"/>, which the loop may read as a hint.
/// </summary>
internal sealed class WaiterQueue
{
    private ReadinessWaiter? _head;
    private ReadinessWaiter? _tail;
    private ReadinessWaiter? _free;

    public bool IsEmpty => Volatile.Read(ref _head) is null;

    public ReadinessWaiter? First => _head;

    /// <summary>A pooled node, or null when the pool is empty.</summary>
    public ReadinessWaiter? Rent()
    {
        var node = _free;
        if (node is not null)
        {
            _free = node.Next;
            node.Next = null;
        }

        return node;
    }

    public void Return(ReadinessWaiter node)
    {
        node.Previous = null;
        node.Next = _free;
        _free = node;
    }

    public void Enqueue(ReadinessWaiter node)
    {
        node.Next = null;
        node.Previous = _tail;
        if (_tail is null)
        {
            Volatile.Write(ref _head, node);
        }
        else
        {
            _tail.Next = node;
        }

        _tail = node;
    }

    public void Unlink(ReadinessWaiter node)
    {
        if (node.Previous is null)
        {
            Volatile.Write(ref _head, node.Next);
        }
        else
        {
            node.Previous.Next = node.Next;
        }

        if (node.Next is null)
        {
            _tail = node.Previous;
        }
        else
        {
            node.Next.Previous = node.Previous;
        }

        node.Next = null;
        node.Previous = null;
    }

    /// <summary>Appends an unlinked node to a chain kept by the caller (the waiters one event completes).</summary>
    public static void Append(ref ReadinessWaiter? first, ref ReadinessWaiter? last, ReadinessWaiter node)
    {
        node.Next = null;
        if (last is null)
        {
            first = node;
        }
        else
        {
            last.Next = node;
        }

        last = node;
    }
}
