namespace EporeX;

/// <summary>The <see cref="IReadinessArming"/> of a <see cref="PollMode.Oneshot"/> registration: a Reregister when a needed direction is not armed.</summary>
internal sealed class OneshotArming : IReadinessArming
{
    private readonly Registry _registry;
    private readonly DescriptorIo _io;
    private readonly Token _token;
    private Interest _armed;

    /// <summary>A registration just made with <paramref name="registered"/>, oneshot: armed for all of it.</summary>
    public OneshotArming(Registry registry, DescriptorIo io, Token token, Interest registered)
    {
        _registry = registry;
        _io = io;
        _token = token;
        _armed = registered;
    }

    public void Disarmed() => _armed = 0;

    public bool Arm(Interest needed)
    {
        if ((needed & ~_armed) == 0)
        {
            return true;
        }

        if (!_io.TryReregister(_registry, _token, needed, PollMode.Oneshot))
        {
            return false;
        }

        _armed = needed;
        return true;
    }
}
