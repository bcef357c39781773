/**
 * The floors of src/, bottom first. A folder may import its own floor and the floors below it, never one
 * above: shapes and math at the bottom, platform plumbing next, then the domain, then the engine, the
 * outputs and the command line. `npm run lint` runs this (depcruise), and CI runs lint.
 */
const FLOORS = [
  ['errors.ts', 'schema'],
  ['stats', 'platform'],
  ['video'],
  ['metrics'],
  ['gates'],
  ['adapters'],
  ['suite'],
  ['store'],
  ['runs'],
  ['notify'],
  ['report'],
  // The local web viewer (`temporalci view`): reads runs through the store ports, draws with report's views.
  ['viewer'],
  // The distributed mode: coordinator (API, leases, waves) and worker; it drives the engine and the reporters.
  ['fleet'],
  // Soak runs: a supervisor of child `temporalci run`s, with status, telemetry, alerts and summaries.
  ['soak'],
  ['cli', 'index.ts'],
];

const pathOf = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})($|/)`;

const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `no-upward-from-${floor.join('-').replace('.ts', '')}`,
  comment: `${floor.join(', ')} must not import a higher floor (${FLOORS.slice(i + 1).flat().join(', ')})`,
  severity: 'error',
  from: { path: pathOf(floor) },
  to: { path: pathOf(FLOORS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle ties two modules into one: move the shared part down a floor',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-is-not-a-test',
      comment: 'the product never imports test, bench or script code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'files-through-the-store',
      comment:
        'the engine and the renderers reach files only through the store ports (src/store) and src/platform, so the same code runs on a laptop folder and on a fleet',
      severity: 'error',
      from: { path: '^src/(runs|report)/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'viewer-only-from-cli',
      comment: 'the viewer is an entry point of its own: only the command line starts it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|viewer)/' },
      to: { path: '^src/viewer/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
