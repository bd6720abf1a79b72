-- POST a new, distinct comment on every request and count the answers by status code
-- (Isso's guard answers 403 once an address has posted too often).
--   WRK_FLAVOR=rostra  body {"site", "page", "author_name", "body"} to /api/v1/comments
--   WRK_FLAVOR=isso    body {"text", "author", "title"} to /new?uri=PAGE
-- WRK_SITE and WRK_PAGE name the thread; the path comes from the URL on the command line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local flavor = os.getenv("WRK_FLAVOR") or "rostra"
local site = os.getenv("WRK_SITE") or "bench"
local page = os.getenv("WRK_PAGE") or "/bench-post"
local threads = {}
WORDS = {
  "bridge", "council", "river", "reopens", "traffic", "cyclists", "budget", "mayor", "repairs",
  "season", "weather", "school", "library", "market", "harbour", "festival", "museum", "road",
  "housing", "tram", "station", "election", "garden", "volunteers", "closure", "detour", "night",
  "morning", "funding", "residents", "neighbours", "plans", "survey", "inspection", "engineers",
  "steel", "concrete", "lanes", "safety", "lights", "crossing", "parking", "fares", "schedule",
}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_no", #threads)
end

function init(args)
  math.randomseed(os.time() + thread_no * 7919)
  statuses = {}
  sent = 0
  headers = {["Content-Type"] = "application/json"}
end

function request()
  sent = sent + 1
  -- Different words every time, as readers write: near-identical bodies from one address
  -- are (rightly) held by Rostra's duplicate screen, which would measure the wrong path.
  local picked = {}
  for i = 1, 12 do
    picked[i] = WORDS[math.random(#WORDS)]
  end
  local text = string.format(
    "%s %d-%d, with **%s** Markdown and a [link](https://example.org/%d).",
    table.concat(picked, " "), thread_no, sent, WORDS[math.random(#WORDS)], sent)
  local body
  if flavor == "isso" then
    body = string.format('{"text": "%s", "author": "Bench %d", "title": "Bench post"}',
      text, thread_no)
  else
    body = string.format('{"site": "%s", "page": "%s", "author_name": "Bench %d", "body": "%s"}',
      site, page, thread_no, text)
  end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  common.report(summary, latency, merged)
end
