-- GET the URL given on wrk's command line. No response() hook: wrk then skips handing
-- bodies to Lua, so a 100 KB answer costs the load generator as little as possible.
-- Non-2xx/3xx answers are counted by wrk itself (errors.status).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

function done(summary, latency, requests)
  common.report(summary, latency, nil)
end
