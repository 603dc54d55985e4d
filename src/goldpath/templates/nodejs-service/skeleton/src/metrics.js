'use strict';

const client = require('prom-client');

const UNMATCHED_ROUTE = 'unmatched';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LABEL_NAMES = ['method', 'route', 'status_code'];

/** The route template that matched, or one shared value for unknown paths (bounded cardinality). */
function routeLabel(req) {
  if (req.route && typeof req.route.path === 'string') {
    return `${req.baseUrl}${req.route.path}`;
  }
  return UNMATCHED_ROUTE;
}

/** Create a registry with default process metrics and the RED metrics for HTTP traffic. */
function createMetrics() {
  const register = new client.Registry();
  client.collectDefaultMetrics({ register });
  const requests = new client.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route template and status code.',
    labelNames: LABEL_NAMES,
    registers: [register],
  });
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code.',
    labelNames: LABEL_NAMES,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [register],
  });

  function middleware(req, res, next) {
    const stopTimer = duration.startTimer();
    res.once('finish', () => {
      const labels = {
        method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER',
        route: routeLabel(req),
        status_code: String(res.statusCode),
      };
      requests.inc(labels);
      stopTimer(labels);
    });
    next();
  }

  return { register, middleware };
}

module.exports = { createMetrics, routeLabel, UNMATCHED_ROUTE };
