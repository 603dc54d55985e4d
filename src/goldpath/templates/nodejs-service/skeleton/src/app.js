'use strict';

const express = require('express');
const { createHttpLogger } = require('./logger');
const { createRouter } = require('./routes');

/** Build the Express application: probes, metrics, the service routes, JSON 404 and errors. */
function createApp({ config, logger, metrics, state, router = createRouter(config) }) {
  const app = express();
  app.disable('x-powered-by');
  app.use(createHttpLogger(logger));
  app.use(metrics.middleware);
  app.use(express.json({ limit: '100kb' }));

  app.get('/healthz', (req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (req, res) => {
    if (state.shuttingDown) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    res.json({ status: 'ready' });
  });
  app.get('/metrics', async (req, res) => {
    const body = await metrics.register.metrics();
    res.set('Content-Type', metrics.register.contentType);
    res.send(body);
  });
  app.use(router);

  app.use((req, res) => {
    res.status(404).json({ error: { name: 'NotFound', message: `No route for ${req.method} ${req.path}` } });
  });
  // Express recognises error handlers by their four parameters, so `next` must stay.
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      res.status(status).json({ error: { name: 'InternalServerError', message: 'Internal Server Error' } });
      return;
    }
    res.status(status).json({ error: { name: err.name || 'BadRequest', message: err.message } });
  });
  return app;
}

module.exports = { createApp };
