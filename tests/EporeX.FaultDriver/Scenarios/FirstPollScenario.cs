using System;

namespace EporeX.FaultDriver.Scenarios;

/// <summary>
/// The process's first Poll, made while descriptors run out: the backend's support probe (which creates
/// the kernel object) meets EMFILE. That says nothing about the kernel, so it must not rule the backend out
/// for the life of the process: the call may fail with the typed <see cref="EventQueueException"/>, never
/// with <see cref="EventQueueUnavailableException"/>, and once descriptors are free the same call gives a
/// Poll on the backend asked for. (The driver makes no Poll before this scenario.)
/// </summary>
internal static class FirstPollScenario
{
    public static void Run(ScenarioContext context)
    {
        context.AwaitGo();
        try
        {
            using var poll = context.Refusable("first Poll", context.OpenPoll);
            Expect.True(poll.Backend == context.Backend, $"asked for {context.Backend}, got {poll.Backend}");
            using var waker = new Waker(poll.Registry, new Token(1));
            waker.Wake();
            var events = new Events(4);
            Expect.True(poll.Wait(events, TimeSpan.FromSeconds(10)) == 1, "the first Poll did not serve its wake");
        }
        catch (EventQueueUnavailableException e)
        {
            throw new ExpectationException($"a probe that ran out of descriptors ruled {context.Backend} out: {e.Message}");
        }

        context.Report.Stage = "done";
    }
}
