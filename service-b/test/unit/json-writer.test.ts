// The batch body is written into one growing Buffer: the bytes must be exactly the UTF-8 of the
// text written, whatever the characters and however often it grows; a text value copied from its
// bytes must come out exactly as JSON.stringify would have written it.
import fc from 'fast-check';
import { JsonWriter } from '../../src/messages/json-writer';

describe('JsonWriter', () => {
  it('writes the UTF-8 of every piece, in order, growing past its first size', () => {
    const writer = new JsonWriter(4);
    const pieces = ['{"messages":[', 'héllo', ',', '€ and 😀', ',', 'x'.repeat(10_000), ']}'];
    for (const piece of pieces) writer.write(piece);
    expect(writer.toBuffer().equals(Buffer.from(pieces.join(''), 'utf8'))).toBe(true);
  });

  it('is empty until written to', () => {
    expect(new JsonWriter().toBuffer().length).toBe(0);
  });

  it('keeps a lone surrogate as the replacement character, as Buffer.from does', () => {
    const writer = new JsonWriter(1);
    writer.write('a\uD800b');
    expect(writer.toBuffer().equals(Buffer.from('a\uD800b', 'utf8'))).toBe(true);
  });

  it('writes UTF-8 bytes as the JSON string JSON.stringify makes of their text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ maxLength: 20 }),
        (text, before) => {
          const bytes = Buffer.from(text, 'utf8');
          const writer = new JsonWriter(1);
          writer.write(before);
          writer.writeJsonString(bytes);
          const expected = `${before}${JSON.stringify(bytes.toString('utf8'))}`;
          expect(writer.toString()).toBe(expected);
          expect(writer.toBuffer().equals(Buffer.from(expected, 'utf8'))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('escapes every byte JSON needs escaped, and nothing else', () => {
    const every = Buffer.from(Array.from({ length: 128 }, (_, i) => i));
    const writer = new JsonWriter(8);
    writer.writeJsonString(every);
    expect(writer.toString()).toBe(JSON.stringify(every.toString('latin1')));
    expect(JSON.parse(writer.toString())).toBe(every.toString('latin1'));
  });

  it('forgets what was written after a length it is truncated to', () => {
    const writer = new JsonWriter();
    writer.write('{"a":1');
    const at = writer.length;
    writer.write(',"broken');
    writer.truncate(at);
    writer.write('}');
    expect(writer.toString()).toBe('{"a":1}');
  });
});
