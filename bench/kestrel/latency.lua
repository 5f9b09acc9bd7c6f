-- wrk 4.1 script: prints "p99_us N", the 99th percentile of wrk's latency histogram counted over all of it.
-- wrk's own percentile can print 0: its correction for coordinated omission adds samples below the
-- measured latencies (src/stats.c, stats_correct), and its percentile walk starts at the smallest measured
-- one, so the added samples that fall below it count in the rank but are never walked. They all come
-- first in order, so the full histogram's 99th percentile is the walked part's at rank (V - 1 %) of the
-- count, where V is the walked share: the highest percentile the walk still reaches, found by bisection.
local function p99(latency)
    local lo, hi = 0, 100 -- latency:percentile(lo) is reached, (hi) is not
    if latency:percentile(lo) == 0 then
        return 0 -- no sample
    end
    for _ = 1, 60 do
        local mid = (lo + hi) / 2
        if latency:percentile(mid) > 0 then lo = mid else hi = mid end
    end
    return latency:percentile(math.max(lo - 1, 0))
end

done = function(summary, latency, requests)
    io.write(string.format("p99_us %d\n", p99(latency)))
end
