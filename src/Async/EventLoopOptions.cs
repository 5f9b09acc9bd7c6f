namespace EporeX;

/// <summary>How an <see cref="EventLoop"/> is built and how it runs continuations.</summary>
public sealed class EventLoopOptions
{
    /// <summary>The default <see cref="EventCapacity"/>: 256 events per wait.</summary>
    public const int DefaultEventCapacity = 256;

    /// <summary>
    /// The backend: <c>epoll</c>, <c>kqueue</c>, <c>poll</c> or <c>auto</c>. Null defers to
    /// <c>EPOREX_BACKEND</c>, then to the best backend here, as <c>EventQueue.CreatePoll</c> does.
    /// Ignored when <see cref="Factory"/> is set.
    /// </summary>
    public string? Backend { get; set; }

    /// <summary>A factory to create the loop's <see cref="Poll"/> with (for example the one in a DI container); it wins over <see cref="Backend"/>.</summary>
    public EventQueueFactory? Factory { get; set; }

    /// <summary>
    /// False (the default): an await that the loop completes continues on the thread pool, so user code
    /// can never stall the loop. True: it continues on the loop thread itself, which saves a thread-pool
    /// hop per completion; the code after such an await must then never block (as with .NET's own
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>).
    /// </summary>
    public bool InlineContinuations { get; set; }

    /// <summary>How many events one wait of the loop thread takes at most; more ready descriptors are served by the next waits.</summary>
    public int EventCapacity { get; set; } = DefaultEventCapacity;

    /// <summary>The name of the loop thread, as debuggers and <c>top -H</c> show it.</summary>
    public string ThreadName { get; set; } = "EporeX event loop";
}
