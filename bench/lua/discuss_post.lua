-- New comments as the widget posts them, each from its own client address (behind a
-- trusted proxy), each with a body of its own, with a form token fetched before the run.
local token = os.getenv("BENCH_FORM_TOKEN")
local thread = os.getenv("BENCH_POST_THREAD")
local counter = 0
local seed = 0

function setup(t)
  seed = seed + 1
  t:set("seed", seed)
end

function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end

function request()
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                           math.random(1, 254))
  local body = string.format(
    '{"site":"bench","thread":"%s","author_name":"Bench reader","form_token":"%s",' ..
    '"body":"Posted during the benchmark, number %d-%d. The figures in paragraph four ' ..
    'deserve a closer look before anyone draws conclusions."}',
    thread, token, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/api/v1/comments",
                    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip,
                     ["Origin"] = wrk.headers["Origin"]}, body)
end
