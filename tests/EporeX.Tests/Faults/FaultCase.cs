namespace EporeX.Tests.Faults;

/// <summary>
/// One cell of the fault matrix: the driver's scenario, the system calls strace traces and injects into,
/// the injection (<c>error=…:when=…</c>, <c>delay_enter=…</c>, <c>retval=…</c>), and the errno values the
/// scenario must meet as typed refusals (none: every call must succeed, the fault being absorbed).
/// </summary>
/// <param name="Fault">The fault's name, the first column of the "Faults survived" table (docs/articles/reliability.md).</param>
/// <param name="Backend">epoll, kqueue or poll.</param>
/// <param name="Scenario">The driver's <c>--scenario</c>.</param>
/// <param name="Syscalls">strace's syscall set, comma-separated.</param>
/// <param name="Injection">What follows <c>inject=SYSCALLS:</c>.</param>
/// <param name="Refusals">The driver's <c>--refusal</c>, or null.</param>
/// <param name="MustRefuse">True when the library must have surfaced at least one refusal (the injection hit its call, not only the runtime's).</param>
public sealed record FaultCase(string Fault, string Backend, string Scenario, string Syscalls, string Injection, string? Refusals, bool MustRefuse)
{
    public override string ToString() => $"{Fault}/{Backend}";
}
