// What one _write/_writev hands the handle: Buffers as they are; latin1 and utf8 strings as
// strings, which the handle encodes straight into its copy (as Node's writeLatin1String /
// writeUtf8String do) instead of a Buffer made per string here. Other encodings (hex, base64,
// ucs2 …) become a Buffer first.

export interface PreparedWrite {
  chunks: Array<Uint8Array | string>;
  bytes: number;
  /** Bit i set: chunks[i] is a latin1 string (the handle's encoding flag; i < 32). */
  latin1Mask: number;
}

export function newWrite(): PreparedWrite {
  return { chunks: [], bytes: 0, latin1Mask: 0 };
}

export function addChunk(w: PreparedWrite, chunk: Uint8Array | string, encoding: string): void {
  if (typeof chunk !== 'string') {
    w.chunks.push(chunk);
    w.bytes += chunk.byteLength;
    return;
  }
  const i = w.chunks.length;
  switch (encoding) {
    case 'latin1': case 'binary': case 'ascii':   // ascii writes as latin1 in Node
      if (i >= 32) break;
      w.latin1Mask |= 1 << i;
      w.chunks.push(chunk);
      w.bytes += chunk.length;
      return;
    case 'utf8': case 'utf-8': case '': case undefined:
      w.chunks.push(chunk);
      w.bytes += Buffer.byteLength(chunk, 'utf8');
      return;
    default:
      break;
  }
  const b = Buffer.from(chunk, encoding as BufferEncoding);
  w.chunks.push(b);
  w.bytes += b.byteLength;
}
