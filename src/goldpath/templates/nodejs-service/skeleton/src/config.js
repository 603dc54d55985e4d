'use strict';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_PORT = ${{ values.port }};
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8000;

function parseInteger(key, raw, fallback, { min, max }) {
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new Error(`${key} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new Error(`${key} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** Read the service configuration from environment variables. */
function loadConfig(env = process.env) {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    serviceName: '${{ values.name }}',
    port: parseInteger('PORT', env.PORT, DEFAULT_PORT, { min: 0, max: 65535 }),
    logLevel,
    // Kubernetes sends SIGKILL after terminationGracePeriodSeconds (30 s by default);
    // forcing connections closed earlier keeps the exit ours.
    shutdownTimeoutMs: parseInteger(
      'SHUTDOWN_TIMEOUT_MS',
      env.SHUTDOWN_TIMEOUT_MS,
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
      { min: 0, max: 600000 },
    ),
  };
}

module.exports = { loadConfig, LOG_LEVELS };
