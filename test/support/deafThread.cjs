'use strict';
/**
 * `--require`d into the services' operation worker threads (workerExecArgv) by tests of a job
 * that does not stop when asked: aborts are ignored, so the job runs on to its end, as one
 * in its last step (writing its model, its reports) does.
 */
const { isMainThread } = require('node:worker_threads');

if (!isMainThread) AbortController.prototype.abort = () => undefined;
