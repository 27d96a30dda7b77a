import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import type { Gate } from './gate';
import { HttpError } from './httpError';

/** Size limits of {@link readBody}, in bytes. */
export interface BodyLimits {
  /** Largest body as sent on the wire (compressed or not). */
  maxBodyBytes: number;
  /** Largest body after decompression. */
  maxDecompressedBytes: number;
  /** Bounds how many compressed bodies are decompressed at once (others wait, or get a 503). */
  gate?: Gate | undefined;
}

/**
 * Reads a request body, decompressing `gzip`, `deflate` (zlib or raw) and `br`
 * as a stream while counting bytes, so a body over a limit — a gzip bomb
 * included — fails with 413 after at most one extra chunk, without buffering
 * more than the limit. A corrupt or truncated compressed body fails with 400,
 * an unknown encoding with 415.
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    throw tooLarge('body', limits.maxBodyBytes);
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (!['identity', '', 'gzip', 'x-gzip', 'deflate', 'br'].includes(encoding)) {
    throw new HttpError(415, `unsupported content-encoding "${encoding}"`);
  }
  if (encoding === 'identity' || encoding === '' || !limits.gate) {
    return readStream(req, limits, encoding);
  }
  // A decompression bomb's memory is bounded per body (the limit) and in number (the gate).
  const release = await limits.gate.acquire();
  try {
    if (req.destroyed) throw new HttpError(400, 'the request was aborted');
    return await readStream(req, limits, encoding);
  } finally {
    release();
  }
}

function readStream(req: IncomingMessage, limits: BodyLimits, encoding: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let settled = false;
    let decoder: Transform | undefined;

    const fail = (error: HttpError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      // Let the rest of the body drain (discarded) so the answer reaches the client.
      req.resume();
      reject(error);
    };
    const collect = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limits.maxDecompressedBytes)
        fail(tooLarge('decompressed body', limits.maxDecompressedBytes));
      else chunks.push(chunk);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    };

    req.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > limits.maxBodyBytes) fail(tooLarge('body', limits.maxBodyBytes));
    });
    req.on('error', () => fail(new HttpError(400, 'the request body could not be read')));
    req.on('aborted', () => fail(new HttpError(400, 'the request was aborted')));
    req.on('close', () => {
      if (!req.complete) fail(new HttpError(400, 'the request was aborted'));
    });

    if (encoding === 'identity' || encoding === '') {
      req.on('data', collect);
      req.on('end', done);
      return;
    }
    const start = (first: Buffer) => {
      decoder = makeDecoder(encoding, first);
      decoder.on('data', collect);
      decoder.on('end', done);
      decoder.on('error', (error) =>
        fail(
          new HttpError(400, `the ${encoding} body could not be decompressed: ${error.message}`),
        ),
      );
      decoder.write(first);
      req.pipe(decoder);
    };
    // The first chunk picks zlib vs. raw deflate; an empty body is simply empty.
    req.once('data', (first: Buffer) => {
      if (settled) return;
      req.pause();
      start(first);
    });
    req.on('end', () => {
      if (!decoder) done();
    });
  });
}

function makeDecoder(encoding: string, first: Buffer): Transform {
  if (encoding === 'br') return createBrotliDecompress();
  if (encoding === 'deflate') {
    // RFC 9110 "deflate" is zlib-wrapped, but some clients send raw deflate.
    const [b0 = 0, b1 = 0] = first;
    const zlibHeader = first.length >= 2 && (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
    return zlibHeader ? createInflate() : createInflateRaw();
  }
  return createGunzip();
}

function tooLarge(what: string, limit: number): HttpError {
  return new HttpError(413, `${what} exceeds the limit of ${limit} bytes`);
}
