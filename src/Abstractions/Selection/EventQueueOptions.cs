namespace EporeX;

/// <summary>How the factory chooses a backend.</summary>
public sealed class EventQueueOptions
{
    /// <summary>The environment variable read when <see cref="Backend"/> is not set: <c>EPOREX_BACKEND</c>.</summary>
    public const string EnvironmentVariable = "EPOREX_BACKEND";

    /// <summary>The name that asks for the best supported backend: <c>auto</c>.</summary>
    public const string Auto = "auto";

    /// <summary>
    /// The backend to use: <c>epoll</c>, <c>kqueue</c>, <c>poll</c>, a third party's name, or <c>auto</c>
    /// (the best supported one). Null defers to the environment variable <c>EPOREX_BACKEND</c>, and then to
    /// <c>auto</c>. A named backend that cannot run here makes the factory fail at once.
    /// </summary>
    public string? Backend { get; set; }
}
