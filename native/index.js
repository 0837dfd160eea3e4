'use strict';
// The addon is context-aware: it can be required from the main thread and from worker threads.
const binding = require('./build/Release/sonde_native.node');

/** The samples of a RingBuffer.consume()/poll() result, as views into its buffer (no copies). */
binding.splitRecords = function splitRecords(res) {
  const buf = Buffer.isBuffer(res) ? res : res.buf;
  const out = [];
  for (let off = 0; off + 4 <= buf.length; ) {
    const len = buf.readUInt32LE(off);
    out.push(buf.subarray(off + 4, off + 4 + len));
    off += (4 + len + 7) & ~7;
  }
  return out;
};

module.exports = binding;
