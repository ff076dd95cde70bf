// JSON written as UTF-8 bytes piece by piece into one growing Buffer. A batch body built as one
// string is a tree of thousands of small strings that V8 flattens into one large string before it
// is encoded again into a Buffer: at 500 records a response that was a third of service-b's time
// in garbage collection. A value that is text is copied from the record's bytes into the JSON
// string with only its escapes added, so it never becomes a JavaScript string at all.

/** How JSON.stringify escapes the bytes below 0x20 (the others below 0x20 become \u00XX). */
const SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
const HEX = '0123456789abcdef';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonWriter {
  private bytes: Buffer;
  private end = 0;

  constructor(initialBytes = 16 * 1024) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.end;
  }

  /** Text, as UTF-8 (JSON syntax, or text already escaped as JSON). */
  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.reserve(text.length * 3);
    this.end += this.bytes.write(text, this.end, 'utf8');
  }

  /**
   * A JSON string holding the text whose UTF-8 bytes these are (the caller checked that they are
   * UTF-8): the same bytes as the UTF-8 of JSON.stringify(bytes.toString()).
   */
  writeJsonString(text: Uint8Array): void {
    // At worst every byte becomes a six-byte \u00XX escape, plus the quotes.
    this.reserve(text.length * 6 + 2);
    const out = this.bytes;
    let at = this.end;
    out[at++] = QUOTE;
    // Byte by byte: values are short, and a loop that copies costs less than the views and calls
    // that copying runs would take.
    for (let i = 0; i < text.length; i++) {
      const byte = text[i] as number;
      if (byte >= 0x20 && byte !== QUOTE && byte !== BACKSLASH) {
        out[at++] = byte;
        continue;
      }
      out[at++] = BACKSLASH;
      const short = byte === QUOTE || byte === BACKSLASH ? byte : SHORT_ESCAPES[byte];
      if (short !== undefined) {
        out[at++] = short;
      } else {
        out[at++] = 0x75; // u
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = HEX.charCodeAt(byte >> 4);
        out[at++] = HEX.charCodeAt(byte & 15);
      }
    }
    out[at++] = QUOTE;
    this.end = at;
  }

  /** Forgets everything written after the first `length` bytes. */
  truncate(length: number): void {
    this.end = Math.min(this.end, length);
  }

  /** The bytes so far (a view: the writer is not used afterwards). */
  toBuffer(): Buffer {
    return this.bytes.subarray(0, this.end);
  }

  toString(): string {
    return this.bytes.toString('utf8', 0, this.end);
  }

  private reserve(bytes: number): void {
    if (this.end + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.end + bytes));
    this.bytes.copy(grown, 0, 0, this.end);
    this.bytes = grown;
  }
}
