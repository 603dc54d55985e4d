'use strict';

const express = require('express');

/** The service's own routes; add new endpoints here. */
function createRouter({ serviceName }) {
  const router = express.Router();
  router.get('/', (req, res) => {
    res.json({ service: serviceName, message: `Hello from ${serviceName}` });
  });
  return router;
}

module.exports = { createRouter };
