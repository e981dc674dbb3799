'use strict';
/**
 * `--require`d into the services' operation worker threads (workerExecArgv) by tests of a thread
 * slow to exit once its job has ended, as one freeing a large heap on a loaded machine is (about
 * half a second seen at load average 12): it stays alive KTRDR_TEST_EXIT_DELAY_MS (default
 * 1500 ms) after its job's last event.
 */
const { isMainThread } = require('node:worker_threads');

if (!isMainThread) process.once('beforeExit', () => setTimeout(() => undefined, Number(process.env.KTRDR_TEST_EXIT_DELAY_MS ?? 1500)));
