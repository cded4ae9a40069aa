import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

/**
 * Decodes a request body chunk by chunk as UTF-8, refusing malformed input (TypeError, as the
 * fatal TextDecoder throws). A CreateItem body is megabytes of base64, i.e. ASCII: while every
 * chunk so far was ASCII, a chunk that is too is copied into a string as it is (SIMD check, no
 * UTF-8 decoding, ~5x faster). From the first non-ASCII chunk on, the decoder takes over; it
 * starts clean there, since an ASCII chunk never ends inside a character.
 */
export class Utf8Body {
  #decoder: TextDecoder | undefined;

  decode(chunk: Buffer): string {
    if (!this.#decoder && isAscii(chunk)) return chunk.toString('latin1');
    this.#decoder ??= new TextDecoder('utf-8', { fatal: true });
    return this.#decoder.decode(chunk, { stream: true });
  }

  /** The end of the body: a character cut short there is an error. */
  end(): string {
    return this.#decoder ? this.#decoder.decode() : '';
  }
}
