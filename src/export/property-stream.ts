/**
 * Reader and writer of the FastTransfer property stream ([MS-OXCFXICS] 2.2.4): a flat sequence of
 * 4-byte little-endian property tags, each followed by its value, interleaved with markers (tags
 * without a value) that open and close recipients, attachments and embedded messages.
 *
 * Value encoding (all little-endian):
 *  - fixed-size types: the bytes of the value (Boolean takes 2 bytes in this stream);
 *  - variable-size types (String, String8, Binary, Object, ServerId, ...): u32 byte count, bytes;
 *    strings include their terminator (2 zero bytes for UTF-16, 1 for 8-bit);
 *  - type 0x8000|cp: a string in code page cp, counted like String8;
 *  - multi-valued types (0x1000|t): u32 count, then the values (variable ones each counted);
 *  - a named property (id >= 0x8000) has, after its tag and before its value, the property-set
 *    GUID, a kind byte (0 = numeric LID as u32, 1 = NUL-terminated UTF-16LE name).
 *
 * The reader never trusts a length: every count is checked against the bytes that remain, so a
 * corrupt stream gives an ItemStreamError, never a huge allocation, an exception of another kind
 * or a loop (each step consumes at least 4 bytes).
 */
export * from './stream-format.js';
export { PropertyStreamWriter } from './property-writer.js';
export { PropertyStreamReader, type StreamElement } from './property-reader.js';
