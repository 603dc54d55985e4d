"""A tiny Node.js service pushed to a real local git host: what the runner tests run.

It has no dependencies (``npm ci`` needs no network), serves ``/healthz``, ``/``, ``/fail``
(a 500) and ``/metrics`` in Prometheus' text format with the golden paths' RED metric names,
and logs one pino-style JSON line per request, so runner tests take seconds, not minutes.
The real generated service is exercised by the slow module in tests/browser/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from goldpath.providers.git import LocalGitHost

SERVER_JS = r"""
'use strict';
const http = require('node:http');
const counts = {};
let slow = 0;
function log(level, fields) {
  process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), ...fields }) + '\n');
}
const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  let status = 200;
  let body = { service: 'tiny' };
  if (req.url === '/metrics') {
    const lines = ['# TYPE http_requests_total counter'];
    for (const [code, n] of Object.entries(counts)) {
      lines.push(`http_requests_total{method="GET",route="/",status_code="${code}"} ${n}`);
    }
    lines.push('# TYPE http_request_duration_seconds histogram');
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    lines.push(`http_request_duration_seconds_bucket{le="0.005"} ${total - slow}`);
    lines.push(`http_request_duration_seconds_bucket{le="0.1"} ${total}`);
    lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${total}`);
    lines.push(`http_request_duration_seconds_sum 0`);
    lines.push(`http_request_duration_seconds_count ${total}`);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
    return;
  }
  if (req.url === '/healthz') { res.end('{"status":"ok"}'); return; }
  if (req.url === '/fail') { status = 500; body = { error: 'boom' }; }
  else if (req.url === '/slow') { slow += 1; }
  else if (req.url !== '/') { status = 404; body = { error: 'no route' }; }
  counts[status] = (counts[status] || 0) + 1;
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  log(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', {
    req: { method: req.method, url: req.url }, res: { statusCode: status },
    responseTime: Math.round(ms), msg: 'request completed',
  });
});
server.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => {
  const goldpathVars = Object.keys(process.env).filter((k) => k.startsWith('GOLDPATH_'));
  const port = server.address().port;
  log('info', { port, env: process.env.NODE_ENV, goldpathVars, msg: 'listening' });
});
process.on('SIGTERM', () => {
  log('info', { msg: 'shutting down' });
  server.close(() => process.exit(0));
});
"""

PACKAGE = {
    "name": "tiny",
    "version": "1.0.0",
    "private": True,
    "scripts": {"start": "exec node server.js"},
}
LOCK = {
    "name": "tiny",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {"": {"name": "tiny", "version": "1.0.0"}},
}


def catalog_info(name: str, owner: str = "apps") -> str:
    """The Component entity of the tiny service, annotated as goldpath's golden paths do."""
    return (
        "apiVersion: backstage.io/v1alpha1\n"
        "kind: Component\n"
        f"metadata:\n  name: {name}\n"
        "  annotations:\n"
        f"    gitlab.com/project-slug: {owner}/{name}\n"
        f"    argocd/app-name: {name}\n"
        f"    backstage.io/kubernetes-id: {name}\n"
        f"    backstage.io/source-location: url:https://gitlab.example.com/{owner}/{name}/\n"
        "spec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/team-a\n"
    )


def push_tiny_app(
    host: LocalGitHost, workdir: Path, name: str = "tiny", owner: str = "apps"
) -> None:
    """Create ``owner/name`` on the local host holding the tiny service and its catalog file."""
    source = workdir / f"{name}-source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    (source / "server.js").write_text(SERVER_JS, encoding="utf-8")
    (source / "package.json").write_text(json.dumps(PACKAGE, indent=2), encoding="utf-8")
    (source / "package-lock.json").write_text(json.dumps(LOCK, indent=2), encoding="utf-8")
    (source / "catalog-info.yaml").write_text(catalog_info(name, owner), encoding="utf-8")
    repo = host.create_repo(owner, name)
    host.push(
        source,
        repo,
        branch="main",
        message="tiny service",
        author_name="Test",
        author_email="test@example.com",
    )
