'use strict';

const { Writable } = require('node:stream');
const { createApp } = require('../src/app');
const { loadConfig } = require('../src/config');
const { createLogger } = require('../src/logger');
const { createMetrics } = require('../src/metrics');

/** A logger that keeps its JSON lines in memory so tests can read them. */
function memoryLogger(config) {
  const lines = [];
  const sink = new Writable({
    write(chunk, encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger(config, sink), lines };
}

/** Build an app with in-memory logs and a fresh metrics registry. */
function buildApp(overrides = {}) {
  const config = { ...loadConfig({}), ...overrides.config };
  const { logger, lines } = memoryLogger(config);
  const metrics = overrides.metrics || createMetrics();
  const state = { shuttingDown: false, ...overrides.state };
  const app = createApp({ config, logger, metrics, state, router: overrides.router });
  return { app, config, lines, metrics, state };
}

module.exports = { buildApp, memoryLogger };
