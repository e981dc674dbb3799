/**
 * The layer rule (README, Architecture): which module of src/ may import which. Bottom to top:
 *
 *   shared base   src/*.ts that is not an entry point (errors.ts, paths.ts, folders.ts, ...)
 *   engine/       computes only; inside it data/ ← features/ ← neural/, backtest/
 *   domain/       the workflow contract: pure zod schemas and gates
 *   research/     a strategy's YAML, its validation, its training / backtest / holdout runs
 *   design/       the designers;  services/  the HTTP training and backtest services
 *   activities/, workflows/, temporal/, worker.ts, client.ts   the only users of Temporal
 *   cli/, cli.ts, bundleWorkflows.ts   the entry points
 *
 * An arrow only points down. Every rule is by path, so a rule about a folder that does not exist
 * (yet, or any more) matches nothing. `strategy/` and `llm/` are the old names of research/ and
 * design/. Run: `npx depcruise src` (part of `npm run lint`).
 */

/** A module directly in src/ that is neither an entry point nor an edge module is the shared base. */
const BASE = '^src/(?!(cli|client|worker|bundleWorkflows)\\.ts$)[^/]+\\.ts$';
const RESEARCH = '^src/(research|strategy)/';
const DESIGN = '^src/(design|llm)/';
const SERVICES = '^src/services/';
/** The entry points: the command line and the build step that bundles the workflows. */
const ENTRY = ['^src/cli/', '^src/(cli|bundleWorkflows)\\.ts$'];
/** The only modules that may import @temporalio/*: the edges of the application. */
const TEMPORAL_EDGES = ['^src/(workflows|activities|temporal)/', '^src/(worker|client|bundleWorkflows)\\.ts$'];
const EDGES = ['^src/(activities|workflows|temporal)/', '^src/(worker|client)\\.ts$'];
const TEMPORALIO = ['(^|/)node_modules/@temporalio/', '^@temporalio/'];
/** What the workflow bundle may contain: the workflows, the contract they speak, the Temporal names they use. */
const WORKFLOW_SAFE = ['^src/workflows/', '^src/domain/', '^src/temporal/definitions\\.ts$'];
/** And, in the traced bundle only (workflows/tracing.ts), Temporal's OpenTelemetry interceptors and the API they open spans with. */
const WORKFLOW_SAFE_PACKAGES =
  '(^|/)node_modules/(zod|@temporalio/(workflow|common|interceptors-opentelemetry)|@opentelemetry/api)/|^(zod|@temporalio/(workflow|common|interceptors-opentelemetry)|@opentelemetry/api)(/|$)';
/** A type-only import leaves nothing in the compiled code, so it runs nothing. */
const TYPE_ONLY = ['type-only', 'type-import'];

/** `from` may not import any module matched by `to`. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

module.exports = {
  forbidden: [
    forbid('no-circular', 'Modules that import each other cannot be understood, tested or moved apart.', {}, { circular: true }),

    forbid(
      'base-is-the-bottom',
      'The shared base (errors, paths, folders) is used by every layer, so it imports none.',
      { path: BASE },
      { path: '^src/', pathNot: BASE },
    ),

    forbid(
      'engine-only-computes',
      'The engine imports nothing of the layers above it: no strategy files, no schemas of other layers, no designers, services, Temporal or CLI.',
      { path: '^src/engine/' },
      { path: '^src/', pathNot: ['^src/engine/', BASE] },
    ),
    forbid(
      'engine-reads-no-yaml',
      'Reading a strategy (YAML) is research/, not the engine.',
      { path: '^src/engine/' },
      { path: '(^|/)node_modules/yaml/|^yaml$' },
    ),
    forbid(
      'engine-root-is-shared',
      "Modules directly in src/engine/ are the sub-folders' shared helpers, so they import no sub-folder.",
      { path: '^src/engine/[^/]+\\.ts$' },
      { path: '^src/engine/[^/]+/' },
    ),
    forbid(
      'engine-data-is-the-bottom',
      'data/ is the bottom of the engine.',
      { path: '^src/engine/data/' },
      { path: '^src/engine/(features|neural|backtest)/' },
    ),
    forbid('engine-features-above-data', 'features/ uses data/ only.', { path: '^src/engine/features/' }, { path: '^src/engine/(neural|backtest)/' }),
    forbid(
      'engine-neural-apart-from-backtest',
      'neural/ and backtest/ both stand on features/ and data/, not on each other.',
      { path: '^src/engine/neural/' },
      { path: '^src/engine/backtest/' },
    ),
    forbid(
      'engine-backtest-apart-from-neural',
      'backtest/ and neural/ both stand on features/ and data/, not on each other.',
      { path: '^src/engine/backtest/' },
      { path: '^src/engine/neural/' },
    ),

    forbid(
      'research-below-design-and-services',
      'Reading, validating and running a strategy is used by the designers and the services, and uses neither.',
      { path: RESEARCH },
      { path: [DESIGN, SERVICES, ...EDGES] },
    ),
    forbid(
      'design-below-the-edges',
      'The designers know nothing of activities, workflows, Temporal, the services or the CLI.',
      { path: DESIGN },
      { path: [SERVICES, ...EDGES] },
    ),
    forbid(
      'services-below-the-edges',
      'The HTTP services run research, and know nothing of the designers, activities, workflows, Temporal or the CLI.',
      { path: SERVICES },
      { path: [DESIGN, ...EDGES] },
    ),
    forbid(
      'entry-points-are-the-top',
      'Nothing imports the command line (or the bundling step): they wire everything else.',
      { path: '^src/', pathNot: ENTRY },
      { path: ENTRY },
    ),

    forbid(
      'temporal-at-the-edges',
      'Only workflows/, activities/, temporal/, worker.ts and client.ts use Temporal; a designer throws its own typed error and the activity maps it.',
      { path: '^src/', pathNot: TEMPORAL_EDGES },
      { path: TEMPORALIO },
    ),

    forbid(
      'workflows-import-nothing-effectful',
      'Workflow code is replayed deterministically: it and what it imports reach no Node built-in.',
      { path: WORKFLOW_SAFE },
      { dependencyTypes: ['core'], dependencyTypesNot: TYPE_ONLY },
    ),
    forbid(
      'workflows-import-only-the-contract',
      'Workflow code imports the workflows, the domain contract and the Temporal names of temporal/definitions.ts; the rest runs in activities.',
      { path: WORKFLOW_SAFE },
      { path: '^src/', pathNot: WORKFLOW_SAFE, dependencyTypesNot: TYPE_ONLY },
    ),
    forbid(
      'workflows-use-only-pure-packages',
      'The workflow bundle holds zod, @temporalio/workflow and @temporalio/common only (and, traced, the OpenTelemetry interceptors and API).',
      { path: WORKFLOW_SAFE },
      { dependencyTypes: ['npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'], pathNot: WORKFLOW_SAFE_PACKAGES, dependencyTypesNot: TYPE_ONLY },
    ),
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // Type-only imports count for cycles and layers: a type belongs to its layer as much as a value does.
    tsPreCompilationDeps: true,
    // By absolute path, so that the checker runs from another folder too (test/unit/layerRules.test.ts runs it on fixtures).
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
