import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.k8s/**', 'test/k8s/**/*.go', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly' } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }] },
  },
  // The walls: dependencies point inward to search/. search/ is the pure core and imports
  // nothing else; evaluator/ imports nothing from operator/ or cli/; operator/ takes only the
  // pod protocol from evaluator/ (it never evaluates), and nothing from cli/; results/
  // (studies and reports) imports only search/, so both executors can show the same report.
  {
    files: ['search/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/evaluator/**', '**/operator/**', '**/cli/**', '**/test/**', '**/bench/**'], message: 'search/ is the pure core: it imports only from search/.' }] }] },
  },
  {
    files: ['evaluator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/operator/**', '**/cli/**', '**/test/**', '**/bench/**'], message: 'evaluator/ imports only from search/ and evaluator/.' }] }] },
  },
  {
    files: ['results/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/evaluator/**', '**/operator/**', '**/cli/**', '**/test/**', '**/bench/**'], message: 'results/ imports only from search/ and results/.' }] }] },
  },
  {
    files: ['operator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/evaluator/**', '!**/evaluator/protocol.js', '**/cli/**', '**/test/**', '**/bench/**'], message: 'operator/ imports from evaluator/ only the pod protocol (evaluator/protocol.ts).' }] }] },
  },
);
