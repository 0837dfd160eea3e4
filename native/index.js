'use strict';
// The addon is context-aware: it can be required from the main thread and from worker threads.
const binding = require('./build/Release/sonde_native.node');
module.exports = binding;
