/**
 * Typed errors shared by every layer. Decoders throw `CodecError` on truncated or
 * corrupt input; they never return garbage and never loop on bad bytes.
 */
export class CodecError extends Error {
  override readonly name = 'CodecError';
}
