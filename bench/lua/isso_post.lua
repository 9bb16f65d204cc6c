-- New comments through Isso's API, each from its own client address (trusted proxy).
local thread = os.getenv("BENCH_POST_THREAD")
local counter = 0

function init(args)
  math.randomseed(os.time())
end

function request()
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                           math.random(1, 254))
  local body = string.format(
    '{"author":"Bench reader","title":"Posts","text":"Posted during the benchmark, ' ..
    'number %d-%d. The figures in paragraph four deserve a closer look before anyone ' ..
    'draws conclusions."}', counter, math.random(1, 1000000000))
  return wrk.format("POST", "/new?uri=" .. thread,
                    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip,
                     ["Origin"] = wrk.headers["Origin"]}, body)
end
