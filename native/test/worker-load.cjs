'use strict';
// Loaded by lifecycle.test.ts in a worker thread: open, load and attach the fixture, report, then
// keep running (or return, or throw) without closing anything, so the environment cleanup hook is
// what must release the kernel objects.
const { parentPort, workerData } = require('node:worker_threads');
const native = require('../index.js');

const obj = native.BpfObject.open(workerData.path);
const tgid = Buffer.alloc(4);
tgid.writeUInt32LE(process.pid);
obj.setGlobal('targ_tgid', tgid);
obj.load();
const links = obj.attach();
const rb = obj.ringBuffer('events');
rb.consume();
parentPort.postMessage({ ids: obj.programIds(), links, open: native.openObjectCount() });
globalThis.keep = [obj, rb];
if (workerData.then === 'spin') setInterval(() => {}, 1000);
if (workerData.then === 'throw') throw new Error('worker fails with objects open');
