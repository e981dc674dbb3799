'use strict';
/**
 * `node --require test/support/requireTypescript.cjs`: lets a process or worker thread outside
 * vitest load the TypeScript sources (the services' worker threads, the services command in a
 * child process), compiling each .ts file as it loads. Types are not checked here: `npm run
 * typecheck` does that.
 *
 * `ts.transpileModule` takes seconds for the ~50 files an operation's thread loads, and every
 * operation has its own thread, so outputs are cached by content in node_modules/.cache/.
 * (SWC would be faster, but its native binding crashes the process once a second worker thread
 * loads it.)
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const CACHE_DIR = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'ktrdr-agent-ts');
const TYPESCRIPT_VERSION = require('typescript/package.json').version;

function compile(source, filename) {
  const ts = require('typescript');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true };
  return ts.transpileModule(source, { fileName: filename, compilerOptions }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(`${TYPESCRIPT_VERSION}\0${filename}\0${source}`).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = compile(source, filename);
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Threads and processes may compile the same file at once: each renames its own temporary file.
    const temp = `${cached}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temp, output);
    fs.renameSync(temp, cached);
  }
  module._compile(output, filename);
};
process.setSourceMapsEnabled(true);
