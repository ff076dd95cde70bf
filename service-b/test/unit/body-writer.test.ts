// The batch body is written into one growing Buffer: the bytes must be exactly the UTF-8 of the
// text written, whatever the characters and however often it grows.
import { BodyWriter } from '../../src/http/body-writer';

describe('BodyWriter', () => {
  it('writes the UTF-8 of every piece, in order, growing past its first size', () => {
    const writer = new BodyWriter(4);
    const pieces = ['{"messages":[', 'héllo', ',', '€ and 😀', ',', 'x'.repeat(10_000), ']}'];
    for (const piece of pieces) writer.write(piece);
    expect(writer.toBuffer().equals(Buffer.from(pieces.join(''), 'utf8'))).toBe(true);
  });

  it('is empty until written to', () => {
    expect(new BodyWriter().toBuffer().length).toBe(0);
  });

  it('keeps a lone surrogate as the replacement character, as Buffer.from does', () => {
    const writer = new BodyWriter(1);
    writer.write('a\uD800b');
    expect(writer.toBuffer().equals(Buffer.from('a\uD800b', 'utf8'))).toBe(true);
  });
});
