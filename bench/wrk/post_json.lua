-- POST the same JSON body (env WRK_BODY) to the URL given on wrk's command line:
-- comment counts for many pages at once.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.body = assert(os.getenv("WRK_BODY"), "set WRK_BODY")
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  common.report(summary, latency, nil)
end
