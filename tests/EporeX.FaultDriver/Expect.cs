using System;

namespace EporeX.FaultDriver;

/// <summary>A violated expectation: the run fails with its message.</summary>
internal sealed class ExpectationException(string message) : Exception(message);

internal static class Expect
{
    public static void True(bool condition, string message)
    {
        if (!condition)
        {
            throw new ExpectationException(message);
        }
    }
}
