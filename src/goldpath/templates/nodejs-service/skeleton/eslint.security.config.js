'use strict';

// SAST for the pipeline's `sast` job (npm run sast): eslint-plugin-security's rules only,
// every one an error. Silence a reviewed false positive on its line with
// `// eslint-disable-next-line security/<rule> -- <why it is safe>`.
const pluginSecurity = require('eslint-plugin-security');

const recommended = pluginSecurity.configs.recommended;

module.exports = [
  {
    ignores: ['node_modules/', 'coverage/', 'reports/', '.npm/', '.cache/', '.gitlab-ci-local/'],
  },
  {
    files: ['**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'commonjs' },
    // The lint job's own directives (eslint.config.js) are not this config's business.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: recommended.plugins,
    rules: Object.fromEntries(Object.keys(recommended.rules).map((rule) => [rule, 'error'])),
  },
];
