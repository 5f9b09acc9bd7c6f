using System;

namespace EporeX.FaultDriver;

/// <summary>
/// The bytes of a checked stream: byte i of stream s is a function of both, so a lost, repeated or
/// reordered byte shows at the first place it differs.
/// </summary>
internal sealed class Pattern(int stream, int length)
{
    public int Length { get; } = length;

    public static byte At(int stream, long index) => (byte)((index * 31) + (index >> 8) + (stream * 97));

    public void Fill(Span<byte> into, long offset)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] = At(stream, offset + i);
        }
    }

    /// <summary>Checks <paramref name="received"/> as the bytes at <paramref name="offset"/> of the stream.</summary>
    public void Check(ReadOnlySpan<byte> received, long offset, string what)
    {
        Expect.True(offset + received.Length <= Length, $"{what}: {offset + received.Length} bytes arrived of {Length} sent");
        for (var i = 0; i < received.Length; i++)
        {
            if (received[i] != At(stream, offset + i))
            {
                throw new ExpectationException($"{what}: byte {offset + i} is {received[i]}, expected {At(stream, offset + i)} (lost, repeated or reordered bytes)");
            }
        }
    }
}
