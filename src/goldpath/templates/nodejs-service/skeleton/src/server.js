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
  const service = await start({ config, logger });
  const onSignal = async (signal) => {
    const code = await service.shutdown(signal);
    process.exit(code);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`failed to start: ${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = { start };
