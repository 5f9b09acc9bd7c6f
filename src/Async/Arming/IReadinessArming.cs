namespace EporeX;

/// <summary>
/// How a registration whose kernel has no edge-triggered mode (poll(2)) is made to behave like one: it is
/// registered oneshot, and re-armed, after each change, for the directions not known ready, so that the
/// kernel reports the next change of each and stays quiet about what is already known. mio keeps this in
/// its poll(2) selector, where the I/O call's EAGAIN re-arms; here the cell's tick rule is that moment.
/// An edge-triggered registration has no arming at all (the cell holds null), so its path costs nothing.
/// </summary>
/// <remarks>Both members are called under the cell's lock.</remarks>
internal interface IReadinessArming
{
    /// <summary>The kernel reported the registration, and so disarmed it (oneshot).</summary>
    void Disarmed();

    /// <summary>Arms the kernel for <paramref name="needed"/> unless it is armed for them already.</summary>
    /// <returns>False when the kernel no longer has the descriptor (closed behind the library, or the loop is gone).</returns>
    bool Arm(Interest needed);
}
