// Lint: TypeScript rules plus the import boundaries that keep the architecture honest.
// The boundary rules are exercised by test/lint-boundaries.test.ts.
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'https', 'node:https', 'child_process', 'node:child_process', 'dgram', 'node:dgram',
  'tls', 'node:tls', 'worker_threads', 'node:worker_threads', 'os', 'node:os',
];

/** Package patterns a folder must never import. */
const forbid = (message, ...group) => ({ group, message });

/** libsignal and crypto/ exports that use a private key or decrypt: the server has neither. */
const secretLibsignalNames = [
  'PrivateKey', 'IdentityKeyPair', 'Aes256GcmSiv', 'signalEncrypt', 'signalDecrypt',
  'signalDecryptPreKey', 'processPreKeyBundle', 'sealedSenderDecryptMessage',
  'sealedSenderEncrypt', 'groupDecrypt', 'groupEncrypt', 'KEMKeyPair',
];
const secretCryptoNames = [
  'openEnvelope', 'sealEnvelope', 'signEvent', 'unwrapEpochKey', 'wrapEpochKey',
  'generateDeviceIdentity', 'generatePrekeys', 'encryptControl', 'decryptControl',
  'establishSession', 'generateEpochKey', 'deriveStreamKey', 'MemorySignalStores',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'test-artifacts/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // common/ holds generic building blocks (queues, listener sets) that every package may
    // use: it imports nothing — not the project, not a package, not Node's I/O — but its own files.
    files: ['common/**/*.ts'],
    ignores: ['common/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!\\./)', message: 'common/ imports nothing but its own files: no project code, no package, no I/O.' },
        ],
      }],
    },
  },
  {
    files: ['crypto/**/*.ts'],
    ignores: ['crypto/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ioModules.map((name) => ({ name, message: 'crypto/ does no I/O.' })),
        patterns: [
          forbid('crypto/ imports nothing from server/ or client/.',
            '@yhteispoyta/server', '@yhteispoyta/server/*', '@yhteispoyta/agent', '@yhteispoyta/agent/*',
            '@yhteispoyta/ui', '@yhteispoyta/ui/*', '**/server/**', '**/client/**'),
        ],
      }],
    },
  },
  {
    // The local-API contract is imported by the browser UI: zod, the pure-JS passphrase
    // estimator (zxcvbn-ts) and its own files only, so that nothing of crypto/, libsignal or
    // Node's I/O can reach the page through it.
    files: ['client/local-api/**/*.ts'],
    ignores: ['client/local-api/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!zod$|@zxcvbn-ts/core$|@zxcvbn-ts/language-common$|\\./)', message: 'client/local-api/ imports zod, zxcvbn-ts and its own files only: the browser UI imports it.' },
        ],
      }],
    },
  },
  {
    // The UI may import the local-API contract (@yhteispoyta/local-api), nothing else of the project.
    files: ['client/ui/**/*.ts', 'client/ui/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          forbid('client/ui/ talks only to its agent: never crypto/ or libsignal.',
            '@yhteispoyta/crypto', '@yhteispoyta/crypto/*', '@signalapp/*', '**/crypto/**',
            '@yhteispoyta/server', '@yhteispoyta/server/*', '@yhteispoyta/agent', '@yhteispoyta/agent/*'),
        ],
      }],
      // The browser's own dialogs explain nothing and block the page: ask in the page (app/InlineConfirm.tsx).
      'no-restricted-properties': ['error',
        ...['confirm', 'alert', 'prompt'].map((property) => ({ object: 'window', property, message: 'Ask in the page (app/InlineConfirm.tsx), never with the browser\'s own dialog.' }))],
      'no-restricted-globals': ['error',
        ...['confirm', 'alert', 'prompt'].map((name) => ({ name, message: 'Ask in the page (app/InlineConfirm.tsx), never with the browser\'s own dialog.' }))],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: '@signalapp/libsignal-client', importNames: secretLibsignalNames,
            message: 'The server never holds a private key and never decrypts.' },
        ],
        patterns: [
          { group: ['@yhteispoyta/crypto', '@yhteispoyta/crypto/*', '**/crypto/src/**'], importNames: secretCryptoNames,
            message: 'The server only verifies: no sealing, opening or key handling.' },
          forbid('The server never uses the in-memory key stores or session code.',
            '@yhteispoyta/crypto/memory-stores', '@yhteispoyta/crypto/sessions', '@yhteispoyta/crypto/epoch',
            '@yhteispoyta/crypto/identity-store'),
          forbid('server/ never imports the client.', '@yhteispoyta/agent', '@yhteispoyta/agent/*',
            '@yhteispoyta/ui', '@yhteispoyta/ui/*', '**/client/**'),
        ],
      }],
    },
  },
  {
    // The admin tooling holds the root and organisation keys: it reaches the server only
    // through the admin REST API, so that it works against any server it does not trust.
    files: ['admin/**/*.ts'],
    ignores: ['admin/**/*.test.ts', 'admin/**/*.testkit.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          forbid('admin/ talks to the server only over its REST API: no server/ or client/ code.',
            '@yhteispoyta/server', '@yhteispoyta/server/*', '@yhteispoyta/agent', '@yhteispoyta/agent/*',
            '@yhteispoyta/ui', '@yhteispoyta/ui/*', '**/server/**', '**/client/**'),
        ],
      }],
    },
  },
  {
    files: ['server/**/*.test.ts', 'server/**/*.testkit.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // The agent's documents (sync/) and chat (chat/) are two families of streams on one sync
  // engine and know nothing of each other; what both need lives in streams/, which knows
  // neither. start-sync.ts is the one place that wires the three.
  ...[
    ['client/agent/src/sync', 'sync/ (documents and the engine) never imports chat/.', ['**/chat/**']],
    ['client/agent/src/chat', 'chat/ never imports sync/: it gets a StreamContext.', ['**/sync/**']],
    ['client/agent/src/streams', 'streams/ is below sync/ and chat/ and imports neither.', ['**/sync/**', '**/chat/**']],
  ].map(([folder, message, group]) => ({
    files: [`${folder}/**/*.ts`],
    ignores: [`${folder}/**/*.test.ts`, `${folder}/**/testkit/**`],
    rules: { 'no-restricted-imports': ['error', { patterns: [forbid(message, ...group)] }] },
  })),
);
