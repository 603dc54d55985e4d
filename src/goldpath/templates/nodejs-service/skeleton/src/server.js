'use strict';

const http = require('node:http');
const { createApp } = require('./app');
const { loadConfig } = require('./config');
const { createLogger } = require('./logger');
const { createMetrics } = require('./metrics');

/** Start the HTTP server; resolves once it listens, with a `shutdown()` that drains it. */
function start({ config = loadConfig(), logger = createLogger(config), router } = {}) {
  const state = { shuttingDown: false };
  const metrics = createMetrics();
  const app = createApp({ config, logger, metrics, state, router });
  const server = http.createServer(app);
  let closing;

  function shutdown(reason = 'shutdown') {
    if (closing) {
      return closing;
    }
    state.shuttingDown = true;
    logger.info({ reason }, 'shutting down: no new connections, draining in-flight requests');
    closing = new Promise((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'drain timed out, closing remaining connections');
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      timer.unref();
      server.close((err) => {
        clearTimeout(timer);
        logger.info('server closed');
        resolve(err ? 1 : 0);
      });
      // Idle keep-alive sockets would hold close() open until they time out.
      server.closeIdleConnections();
    });
    return closing;
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => {
      const { port } = server.address();
      logger.info({ port }, 'listening');
      resolve({ server, port, state, shutdown });
    });
  });
}

async function main() {
  let config;
  let logger;
  try {
    config = loadConfig();
    logger = createLogger(config);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // Handlers go in before the server listens, so an early SIGTERM is never fatal.
  const running = { service: undefined, signal: undefined };
  const stop = async () => {
    const code = await running.service.shutdown(running.signal);
    process.exit(code);
  };
  const onSignal = (signal) => {
    if (running.signal) {
      return;
    }
    running.signal = signal;
    if (running.service) {
      stop();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  running.service = await start({ config, logger });
  if (running.signal) {
    await stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`failed to start: ${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = { start };
