// A throttling proxy for the rig: an HTTP server on 127.0.0.1 in front of moto_server that lets
// FilterLogEvents through at most `rate` times a second (a token bucket holding one second of calls)
// and answers the calls beyond that as CloudWatch Logs does when its per-account quota is exceeded:
// HTTP 400 with the awsJson1_1 error body {"__type":"ThrottlingException","message":"Rate exceeded"}
// (ThrottlingException is a modelled error of the service: "The request was throttled because of
// quota limits"; the SDK reads the type from __type / x-amzn-errortype). Everything else is passed
// through untouched. moto itself never throttles.
import { createServer, request as httpRequest } from 'node:http';

/**
 * Starts the proxy; resolves with its endpoint, counters and a stop function.
 * @param {string} target moto's endpoint (http://127.0.0.1:PORT)
 * @param {{ rate?: number }} [options] FilterLogEvents calls per second (default 5)
 */
export async function startThrottleProxy(target, options = {}) {
  const rate = options.rate ?? 5;
  const upstream = new URL(target);
  const stats = { passed: 0, throttled: 0, other: 0 };
  let tokens = rate;
  let refilledAt = performance.now();
  const take = () => {
    const now = performance.now();
    tokens = Math.min(rate, tokens + ((now - refilledAt) / 1_000) * rate);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target.endsWith('.FilterLogEvents')) {
      if (!take()) {
        stats.throttled += 1;
        req.resume();
        const body = JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': 'ThrottlingException',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      stats.passed += 1;
    } else stats.other += 1;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    endpoint: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    stats,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}
