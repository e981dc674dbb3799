'use strict';
/**
 * `--require`d into the services' operation worker threads (workerExecArgv) by tests of a thread
 * that dies: once the job has run for KTRDR_TEST_CRASH_AFTER_MS (default 300 ms), the thread
 * ends abruptly, as a crash of the thread would end it, without the job failing by itself.
 */
const { isMainThread } = require('node:worker_threads');

if (!isMainThread) setTimeout(() => process.exit(70), Number(process.env.KTRDR_TEST_CRASH_AFTER_MS ?? 300)).unref();
