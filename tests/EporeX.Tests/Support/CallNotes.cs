using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace EporeX.Tests.Support;

/// <summary>
/// What each call of a probe did, one line per call ("step: ok", or "step: " and the exception's type), so
/// that an implementation and the reference it follows (Pipe's reader, Pipe's writer) are compared call by call.
/// </summary>
internal sealed class CallNotes : List<string>
{
    public void Call(string step, Action action)
    {
        try
        {
            action();
            Add($"{step}: ok");
        }
        catch (Exception e)
        {
            Add($"{step}: {e.GetType().Name}");
        }
    }

    public async Task CallAsync(string step, Func<Task> action)
    {
        try
        {
            await action();
            Add($"{step}: ok");
        }
        catch (Exception e)
        {
            Add($"{step}: {e.GetType().Name}");
        }
    }
}
