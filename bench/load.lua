-- wrk script for bench/webhook_bench.py: replays distinct, pre-signed Twilio SMS webhooks.
--   wrk -s bench/load.lua URL -- REQUESTS_FILE THREADS
-- REQUESTS_FILE has one request a line: "<urlencoded form>\t<X-Twilio-Signature>". Thread t of
-- n sends lines t, t+n, t+2n ... in order (so a resident's next text follows their previous one
-- by a whole round of the other residents); a thread that runs out starts again (a repeated
-- delivery, which the webhook answers from its claim). done() prints one JSON line.

local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  requests, position, line_no = {}, 0, 0
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  for line in io.lines(file) do
    if line_no % nthreads == tid then
      local body, signature = line:match("^([^\t]*)\t(.*)$")
      headers["X-Twilio-Signature"] = signature
      requests[#requests + 1] = wrk.format("POST", wrk.path, headers, body)
    end
    line_no = line_no + 1
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
