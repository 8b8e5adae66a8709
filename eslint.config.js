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
  // search/ is the pure core: it must not import from the rest of the project.
  {
    files: ['search/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../evaluator/*', '../operator/*', '../cli/*', '../../*'] }] },
  },
);
