-- wrk script: sends DEPTH copies of the request in one write (HTTP/1.1 pipelining, as TechEmpower's
-- plaintext test does), so a server that answers one at a time is not hidden behind round trips.
--   wrk ... -s bench/kestrel/pipeline.lua http://127.0.0.1:PORT/plaintext -- 16
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "latency.lua") -- its p99 (done)

init = function(args)
    local depth = tonumber(args[1]) or 1
    local requests = {}
    for i = 1, depth do
        requests[i] = wrk.format()
    end
    batch = table.concat(requests)
end

request = function()
    return batch
end
