import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Dependencies point one way (docs/ARCHITECTURE.md): each folder of src/ may import only the
 * folders below it. `forbidden` lists, per folder, what it must not import.
 */
const ABOVE_PROTOCOL = [
  'http',
  'auth',
  'access',
  'identity',
  'storage',
  'operations',
  'iam-api',
  'observability',
  'server',
  'cli',
  'client',
  'testing',
  'console',
];
const LAYERS = {
  util: ['errors', 'protocol', ...ABOVE_PROTOCOL, 'config'],
  errors: ['protocol', ...ABOVE_PROTOCOL, 'config'],
  protocol: ABOVE_PROTOCOL,
  storage: [
    'http',
    'auth',
    'access',
    'identity',
    'operations',
    'iam-api',
    'observability',
    'server',
    'cli',
    'client',
    'testing',
    'console',
  ],
  auth: [
    'http',
    'access',
    'storage',
    'operations',
    'iam-api',
    'observability',
    'server',
    'cli',
    'client',
    'testing',
    'console',
  ],
  identity: [
    'http',
    'storage',
    'operations',
    'iam-api',
    'observability',
    'server',
    'cli',
    'client',
    'testing',
    'console',
  ],
  http: [
    'access',
    'identity',
    'storage',
    'operations',
    'iam-api',
    'observability',
    'server',
    'cli',
    'client',
    'testing',
    'console',
  ],
  access: ['operations', 'iam-api', 'observability', 'server', 'cli', 'client', 'testing', 'console'],
  operations: ['iam-api', 'observability', 'server', 'cli', 'client', 'testing', 'console'],
  'iam-api': ['storage', 'operations', 'observability', 'server', 'cli', 'client', 'testing', 'console'],
  observability: [
    'http',
    'auth',
    'access',
    'identity',
    'storage',
    'operations',
    'iam-api',
    'server',
    'cli',
    'client',
    'testing',
    'console',
  ],
  client: [
    'http',
    'auth',
    'access',
    'identity',
    'storage',
    'operations',
    'iam-api',
    'observability',
    'server',
    'cli',
    'testing',
    'console',
  ],
  server: ['cli', 'client', 'testing'],
  // The web console's files served from memory: it needs nothing of Zonal.
  console: [
    'util',
    'errors',
    'protocol',
    'http',
    'auth',
    'access',
    'identity',
    'storage',
    'operations',
    'iam-api',
    'observability',
    'server',
    'cli',
    'client',
    'testing',
    'config',
  ],
  // startZonal for test suites (the package entry exports it): servers with their clients.
  testing: ['cli'],
};

/** A relative import that reaches `folder` of src/ from anywhere inside src/. */
const reaching = (folder) =>
  folder === 'config' ? String.raw`^(\.\./)+config\.js$` : String.raw`^(\.\./)+${folder}(/|\.js$)`;

/** Finer rules inside a layer, added to its block. */
const EXTRA_PATTERNS = {
  // The policy language is below identities; the authorizer above them.
  identity: [
    {
      regex: String.raw`^(\.\./)+access/(?!policy/)`,
      message: 'src/identity/ may use the policy language (access/policy/) but not the authorizer.',
    },
  ],
};

const layerRules = Object.entries(LAYERS).map(([folder, forbidden]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((target) => ({
            regex: reaching(target),
            message: `src/${folder}/ may not import src/${target}: dependencies point one way (docs/ARCHITECTURE.md).`,
          })),
          ...(EXTRA_PATTERNS[folder] ?? []),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'zonal-data/', 'bench/results/', 'bench/.deps/', 'bench/.work/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
  {
    // The console's browser code (plain ES modules, no bundler): browser globals only.
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'sessionStorage',
          'fetch',
          'crypto',
          'TextEncoder',
          'URL',
          'URLSearchParams',
          'DOMParser',
          'XMLHttpRequest',
          'Node',
          'setTimeout',
          'setInterval',
          'clearInterval',
          'confirm',
          'prompt',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
