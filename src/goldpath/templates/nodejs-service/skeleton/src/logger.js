'use strict';

const { randomUUID } = require('node:crypto');
const pino = require('pino');
const pinoHttp = require('pino-http');

const REQUEST_ID_HEADER = 'x-request-id';
// Accept a caller's id only when it is short and plain, so logs cannot be forged or flooded.
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Create the JSON logger that writes one line per event to stdout. */
function createLogger({ serviceName, logLevel }, destination = undefined) {
  return pino(
    {
      level: logLevel,
      base: { service: serviceName },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
      },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    destination,
  );
}

/** Pick the request id: the caller's X-Request-Id when valid, otherwise a new UUID. */
function requestIdFor(req) {
  const incoming = req.get(REQUEST_ID_HEADER);
  if (typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming)) {
    return incoming;
  }
  return randomUUID();
}

/** Express middleware: a request id on every request, echoed back, and an access log line. */
function createHttpLogger(logger) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFor(req);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customProps: (req) => ({ requestId: req.id }),
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) {
        return 'error';
      }
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    // Probes and scrapes arrive every few seconds; logging them drowns the real traffic.
    autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url) },
  });
}

module.exports = { createLogger, createHttpLogger, REQUEST_ID_HEADER };
