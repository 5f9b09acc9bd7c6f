namespace EporeX;

/// <summary>Which readiness bits belong to which direction, and which bits an await for an interest completes on.</summary>
internal static class Directions
{
    /// <summary>The readiness bits kept for the read direction (errors count for both).</summary>
    public const Readiness ReadSide = Readiness.Readable | Readiness.ReadClosed | Readiness.Priority | Readiness.Error;

    /// <summary>The readiness bits kept for the write direction.</summary>
    public const Readiness WriteSide = Readiness.Writable | Readiness.WriteClosed | Readiness.Error;

    /// <summary>Closed states are final: clearing never forgets them (the peer cannot reopen).</summary>
    public const Readiness Final = Readiness.ReadClosed | Readiness.WriteClosed;

    /// <summary>The readiness bits an await for <paramref name="interest"/> completes on.</summary>
    public static Readiness Mask(Interest interest)
    {
        var mask = Readiness.Error;
        if ((interest & Interest.Readable) != 0)
        {
            mask |= Readiness.Readable | Readiness.ReadClosed;
        }

        if ((interest & Interest.Writable) != 0)
        {
            mask |= Readiness.Writable | Readiness.WriteClosed;
        }

        if ((interest & Interest.Priority) != 0)
        {
            mask |= Readiness.Priority | Readiness.ReadClosed;
        }

        return mask;
    }

    /// <summary>True when <paramref name="interest"/> touches the read direction (Readable or Priority).</summary>
    public static bool Reads(Interest interest) => (interest & (Interest.Readable | Interest.Priority)) != 0;

    /// <summary>True when <paramref name="interest"/> touches the write direction.</summary>
    public static bool Writes(Interest interest) => (interest & Interest.Writable) != 0;

    /// <summary>The registered directions that nothing known makes ready: those a oneshot registration must arm.</summary>
    public static Interest NotKnownReady(Interest registered, Readiness read, Readiness write)
    {
        Interest needed = 0;
        if ((registered & Interest.Readable) != 0 && (read & (Readiness.Readable | Readiness.ReadClosed | Readiness.Error)) == 0)
        {
            needed |= Interest.Readable;
        }

        if ((registered & Interest.Priority) != 0 && (read & (Readiness.Priority | Readiness.ReadClosed | Readiness.Error)) == 0)
        {
            needed |= Interest.Priority;
        }

        if ((registered & Interest.Writable) != 0 && (write & (Readiness.Writable | Readiness.WriteClosed | Readiness.Error)) == 0)
        {
            needed |= Interest.Writable;
        }

        return needed;
    }
}
