import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ (docs/architecture.md draws them): each folder may import only the
 * folders below it, so that the next change cannot quietly undo the layout. A layer is named
 * by its folder wherever it sits relative to the importing file.
 */
const layer = (name) => [`./${name}/**`, `../${name}/**`, `../../${name}/**`, `../../../${name}/**`];
const entryPoints = ['index.js', 'internals.js', 'redis.js', 'nats.js', 'websocket.js', 'browser.js', 'prometheus.js', 'irc.js'].flatMap((file) => [`./${file}`, `../${file}`, `../../${file}`]);
const forbid = (layers, why) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: layers.flatMap(layer), message: why },
        { group: entryPoints, message: 'import the file that defines a name, never an entry point: entry points are for users' },
      ],
    },
  ],
});
const layerRules = [
  {
    files: ['src/*.ts'],
    ignores: ['src/index.ts', 'src/internals.ts', 'src/redis.ts', 'src/nats.ts', 'src/websocket.ts', 'src/browser.ts', 'src/prometheus.ts', 'src/irc.ts'],
    rules: forbid(['transport', 'hub', 'client', 'cluster', 'redis', 'nats', 'cli', 'websocket', 'browser'], 'shared root files stand below every layer (protocol/ types aside)'),
  },
  { files: ['src/protocol/**/*.ts'], rules: forbid(['transport', 'hub', 'client', 'cluster', 'redis', 'nats', 'cli', 'websocket', 'browser', 'irc', 'prometheus'], 'protocol/ is bytes and words only: it imports shared root files and itself') },
  { files: ['src/transport/**/*.ts'], rules: forbid(['protocol', 'hub', 'client', 'cluster', 'redis', 'nats', 'cli', 'websocket', 'browser', 'irc', 'prometheus'], 'transport/ is the write path: it imports shared root files and itself') },
  { files: ['src/cluster/**/*.ts'], rules: forbid(['hub', 'client', 'redis', 'nats', 'cli', 'websocket', 'browser', 'irc', 'prometheus'], 'cluster/ is the broker side: the hub uses it, never the reverse') },
  { files: ['src/hub/**/*.ts'], rules: forbid(['client', 'redis', 'nats', 'cli', 'websocket', 'browser', 'irc', 'prometheus'], 'the hub never depends on clients, adapters or the CLI') },
  { files: ['src/client/**/*.ts'], rules: forbid(['hub', 'cluster', 'redis', 'nats', 'cli', 'websocket', 'irc', 'prometheus'], 'a client never imports the hub') },
  { files: ['src/redis/**/*.ts', 'src/nats/**/*.ts'], rules: forbid(['hub', 'client', 'cli', 'websocket', 'browser'], 'a broker adapter builds on cluster/ alone') },
  { files: ['src/irc/**/*.ts'], rules: forbid(['client', 'redis', 'nats', 'cli', 'websocket', 'browser', 'prometheus'], 'the IRC door serves a hub: it never loads clients or other integrations') },
  { files: ['src/prometheus/**/*.ts'], rules: forbid(['client', 'redis', 'nats', 'cli', 'websocket', 'browser'], 'the exporter reads a hub: it never loads clients or other integrations') },
  { files: ['src/browser/**/*.ts'], rules: forbid(['transport', 'hub', 'client', 'cluster', 'redis', 'nats', 'cli', 'websocket'], 'the browser client runs in pages: no Node modules, no hub') },
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/results/', 'test/fixtures/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  ...layerRules,
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
