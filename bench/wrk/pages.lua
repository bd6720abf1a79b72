-- GET the first page of WRK_PAGES threads of site WRK_SITE in turn: PREFIX0, PREFIX1, ...
-- (WRK_PREFIX, URL-encoded). Readers spread over a site while one thread is written to.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
local pages = tonumber(os.getenv("WRK_PAGES") or "200")
local site = os.getenv("WRK_SITE") or "bench"
local prefix = os.getenv("WRK_PREFIX") or "%2Fspread%2F"
local n = 0

function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/comments?site=" .. site .. "&page=" .. prefix ..
    tostring(n % pages) .. "&limit=50")
end

function done(summary, latency, requests)
  common.report(summary, latency, nil)
end
