'use strict';
// Calls onLine(line) for every complete line a stream (a child's stdout) writes.
function onLines(stream, onLine) {
  let buf = '';
  stream.on('data', (d) => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0;) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(line);
    }
  });
}

module.exports = { onLines };
