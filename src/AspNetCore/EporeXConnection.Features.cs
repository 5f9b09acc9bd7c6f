using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace EporeX.AspNetCore;

/// <summary>
/// The connection is its own feature collection. Kestrel looks here on every request for each feature its
/// HTTP collection lacks, so the transport's own features are found by a type test on a slot (no dictionary,
/// as in the Sockets transport's generated collection), and what Kestrel and middleware add goes in a short list.
/// </summary>
internal sealed partial class EporeXConnection : IFeatureCollection
{
    /// <summary>The features the connection itself implements, in the order of <see cref="OwnFeatures"/>' slots.</summary>
    private static readonly Type[] OwnTypes =
    [
        typeof(IConnectionIdFeature), typeof(IConnectionTransportFeature), typeof(IConnectionItemsFeature),
        typeof(IMemoryPoolFeature), typeof(IConnectionLifetimeFeature), typeof(IConnectionEndPointFeature),
        typeof(IConnectionSocketFeature),
    ];

    private const int OwnCount = 7;

    private OwnFeatures _own;
    private List<KeyValuePair<Type, object>>? _added;
    private int _revision;

    public override IFeatureCollection Features => this;

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _revision;

    object? IFeatureCollection.this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            var own = OwnSlot(key);
            return own >= 0 ? _own[own] : FindAdded(key);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _revision++;
            var own = OwnSlot(key);
            if (own >= 0)
            {
                _own[own] = value;
            }
            else
            {
                SetAdded(key, value);
            }
        }
    }

    TFeature? IFeatureCollection.Get<TFeature>()
        where TFeature : default => (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];

    void IFeatureCollection.Set<TFeature>(TFeature? instance)
        where TFeature : default => ((IFeatureCollection)this)[typeof(TFeature)] = instance;

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator()
    {
        for (var i = 0; i < OwnCount; i++)
        {
            if (_own[i] is { } feature)
            {
                yield return new(OwnTypes[i], feature);
            }
        }

        if (_added is not null)
        {
            foreach (var pair in _added)
            {
                yield return pair;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<Type, object>>)this).GetEnumerator();

    /// <summary>Makes the connection the answer for each of its own features; called once, by the constructor.</summary>
    private void SetOwnFeatures()
    {
        Debug.Assert(OwnTypes.Length == OwnCount, "one slot per own feature");
        for (var i = 0; i < OwnCount; i++)
        {
            _own[i] = this;
        }
    }

    private static int OwnSlot(Type key)
    {
        var types = OwnTypes;
        for (var i = 0; i < types.Length; i++)
        {
            if (types[i] == key)
            {
                return i;
            }
        }

        return -1;
    }

    private int AddedIndex(Type key)
    {
        if (_added is { } added)
        {
            for (var i = 0; i < added.Count; i++)
            {
                if (added[i].Key == key)
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private object? FindAdded(Type key) => AddedIndex(key) is var i and >= 0 ? _added![i].Value : null;

    private void SetAdded(Type key, object? value)
    {
        var i = AddedIndex(key);
        if (i >= 0 && value is null)
        {
            _added!.RemoveAt(i);
        }
        else if (i >= 0)
        {
            _added![i] = new(key, value!);
        }
        else if (value is not null)
        {
            (_added ??= new(capacity: 8)).Add(new(key, value));
        }
    }

    /// <summary>The own features' current answers, inline in the connection (one slot per entry of <see cref="OwnTypes"/>).</summary>
    [InlineArray(OwnCount)]
    private struct OwnFeatures
    {
        private object? _first;
    }
}
