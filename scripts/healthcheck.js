#!/usr/bin/env node
// The image's HEALTHCHECK: exits 0 when rongsync's HTTP server answers /readyz with a 2xx, 1
// otherwise (not listening, not ready, or no answer within 4 s). Plain node, because the slim
// image has no curl. Port from RONGSYNC_HTTP_PORT (default 9300), always on the loopback: the
// check runs inside the container, whatever RONGSYNC_HTTP_HOST the server listens on.
const port = process.env.RONGSYNC_HTTP_PORT || '9300';
const url = `http://127.0.0.1:${port}/readyz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  console.log(`${url}: ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (e) {
  console.log(`${url}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  process.exit(1);
}
