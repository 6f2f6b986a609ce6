-- wrk: POST the request bodies of a file (one JSON a line) in turn, each thread from its own
-- place in the list. Usage: wrk … -s peer-bench/wrk-post.lua URL -- BODIES.jsonl
local bodies = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  i = math.random(#bodies)
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[i])
end
