// The request-body codec of service-a: which bodies are accepted and the exact bytes they become.
import { HttpProblem } from '@kafka-http/common';
import {
  BINARY_CONTENT_TYPE,
  compactJson,
  encodeRequestBody,
  JSON_CONTENT_TYPE,
  parseMediaType,
  TEXT_CONTENT_TYPE,
} from '../../src/messages/message-codec';

const JSON_TYPE = 'application/json';

function encodeJson(json: string, contentType = JSON_TYPE) {
  return encodeRequestBody(Buffer.from(json, 'utf8'), contentType);
}

/** Runs `fn`, expecting it to throw an HttpProblem, and returns that problem. */
function problemOf(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error('expected an HttpProblem to be thrown, but nothing was thrown');
}

describe('encodeRequestBody: JSON strings', () => {
  it('stores a JSON string as its raw UTF-8 text with the text content type', () => {
    const encoded = encodeJson('"Hello, Kafka!"');
    expect(encoded.value).toEqual(Buffer.from('Hello, Kafka!', 'utf8'));
    expect(encoded.value).toHaveLength(13);
    expect(encoded.contentType).toBe(TEXT_CONTENT_TYPE);
    expect(encoded.contentType).toBe('text/plain; charset=utf-8');
    expect(encoded.text).toBe('Hello, Kafka!');
  });

  it('decodes escapes of a JSON string into the characters they stand for', () => {
    const encoded = encodeJson('"line\\nnext \\"quoted\\" \\u00e9"');
    expect(encoded.value.toString('utf8')).toBe('line\nnext "quoted" é');
    expect(encoded.contentType).toBe(TEXT_CONTENT_TYPE);
  });

  it('refuses a JSON string holding an unpaired surrogate with 400', () => {
    const problem = problemOf(() => encodeJson('"\\ud800"'));
    expect(problem.status).toBe(400);
    expect(problemOf(() => encodeJson('"x\\udc00y"')).status).toBe(400);
  });

  it('accepts a properly paired surrogate and stores it as 4 UTF-8 bytes', () => {
    const encoded = encodeJson('"\\ud83d\\ude00"');
    expect(encoded.text).toBe('😀');
    expect(encoded.value).toEqual(Buffer.from([0xf0, 0x9f, 0x98, 0x80]));
    expect(encoded.contentType).toBe(TEXT_CONTENT_TYPE);
  });
});

describe('encodeRequestBody: other JSON values', () => {
  it.each([
    ['an object', '{ "greeting" : "Hello",\n  "n" : 1 }', '{"greeting":"Hello","n":1}'],
    ['an array', '[ 1, 2 ,\t3 ]', '[1,2,3]'],
    ['a number', '  42  ', '42'],
    ['true', ' true\n', 'true'],
    ['null', '\r\nnull ', 'null'],
  ])('stores %s as compact JSON with the JSON content type', (_what, body, expected) => {
    const encoded = encodeJson(body);
    expect(encoded.value.toString('utf8')).toBe(expected);
    expect(encoded.contentType).toBe(JSON_CONTENT_TYPE);
    expect(encoded.contentType).toBe('application/json');
    expect(encoded.text).toBe(expected);
  });

  it('keeps whitespace inside strings', () => {
    const encoded = encodeJson(
      '{ "text" : "  two  spaces and an escaped\\ttab " , "k" : [ " " ] }',
    );
    expect(encoded.value.toString('utf8')).toBe(
      '{"text":"  two  spaces and an escaped\\ttab ","k":[" "]}',
    );
  });

  it('keeps escapes exactly as written', () => {
    const body = '{ "a" : "\\u00e9\\n\\"q\\"\\\\" , "b" : [ "\\/" ] }';
    const encoded = encodeJson(body);
    expect(encoded.value.toString('utf8')).toBe('{"a":"\\u00e9\\n\\"q\\"\\\\","b":["\\/"]}');
  });

  it('keeps numbers beyond double precision exactly', () => {
    const encoded = encodeJson(
      '{ "big" : 12345678901234567890, "precise": 0.10000000000000000001 }',
    );
    const stored = encoded.value.toString('utf8');
    expect(stored).toBe('{"big":12345678901234567890,"precise":0.10000000000000000001}');
    // Re-serialising through JSON.parse would have rounded it.
    expect(stored).not.toContain('12345678901234567000');
  });

  it('keeps a lone big number exactly', () => {
    expect(encodeJson('12345678901234567890').value.toString('utf8')).toBe('12345678901234567890');
  });
});

describe('encodeRequestBody: text/plain', () => {
  it('stores the text exactly as sent, whitespace included', () => {
    const text = '  Hello, Kafka! {"not": "json"}\n';
    const encoded = encodeRequestBody(Buffer.from(text, 'utf8'), 'text/plain');
    expect(encoded.value.toString('utf8')).toBe(text);
    expect(encoded.contentType).toBe(TEXT_CONTENT_TYPE);
    expect(encoded.text).toBe(text);
  });

  it('keeps multi-byte characters as their UTF-8 bytes', () => {
    const encoded = encodeRequestBody(Buffer.from('héllo 😀', 'utf8'), 'text/plain');
    expect(encoded.value).toEqual(Buffer.from('héllo 😀', 'utf8'));
  });
});

describe('encodeRequestBody: content types and charsets', () => {
  it.each([
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset=UTF8',
    'application/json; charset="utf-8"',
    'Application/JSON',
  ])('accepts %s', (contentType) => {
    expect(encodeJson('"hi"', contentType).value.toString('utf8')).toBe('hi');
  });

  it.each(['text/plain; charset=utf-8', 'text/plain; charset="UTF-8"', 'TEXT/PLAIN; charset=utf8'])(
    'accepts %s',
    (contentType) => {
      expect(encodeRequestBody(Buffer.from('hi'), contentType).value.toString('utf8')).toBe('hi');
    },
  );

  it('refuses a charset other than UTF-8 with 415', () => {
    expect(problemOf(() => encodeJson('"hi"', 'application/json; charset=latin1')).status).toBe(
      415,
    );
    expect(
      problemOf(() => encodeRequestBody(Buffer.from('hi'), 'text/plain; charset=iso-8859-1'))
        .status,
    ).toBe(415);
  });

  it('refuses a missing content type with 415', () => {
    const problem = problemOf(() => encodeRequestBody(Buffer.from('"hi"'), undefined));
    expect(problem.status).toBe(415);
    expect(problem.detail).toMatch(/missing/);
    expect(problemOf(() => encodeRequestBody(Buffer.from('"hi"'), '')).status).toBe(415);
  });

  it('refuses application/xml with 415 naming the type', () => {
    const problem = problemOf(() => encodeRequestBody(Buffer.from('<a/>'), 'application/xml'));
    expect(problem.status).toBe(415);
    expect(problem.title).toBe('Unsupported Media Type');
    expect(problem.detail).toContain('application/xml');
  });
});

describe('encodeRequestBody: bad bodies', () => {
  it('refuses an empty or missing body with 400', () => {
    expect(problemOf(() => encodeRequestBody(Buffer.alloc(0), JSON_TYPE)).status).toBe(400);
    expect(problemOf(() => encodeRequestBody(undefined, JSON_TYPE)).status).toBe(400);
    expect(problemOf(() => encodeRequestBody(Buffer.alloc(0), 'text/plain')).status).toBe(400);
  });

  it.each(['{', '{"a":1,}', "'single'", 'Hello, Kafka!', '   ', '1 2', '{"a":1}}'])(
    'refuses invalid JSON %p with 400',
    (body) => {
      const problem = problemOf(() => encodeJson(body));
      expect(problem.status).toBe(400);
      expect(problem.title).toBe('Bad Request');
    },
  );

  it('refuses bytes that are not UTF-8 with 400, for text and JSON alike', () => {
    const invalid = Buffer.from([0x48, 0x69, 0xff, 0xfe]);
    expect(problemOf(() => encodeRequestBody(invalid, 'text/plain')).status).toBe(400);
    const invalidJson = Buffer.concat([
      Buffer.from('"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"'),
    ]);
    const problem = problemOf(() => encodeRequestBody(invalidJson, JSON_TYPE));
    expect(problem.status).toBe(400);
    expect(problem.detail).toMatch(/UTF-8/);
  });
});

describe('compactJson', () => {
  it.each([
    ['escaped quotes in strings', '{ "a" : "say \\"hi there\\" " }', '{"a":"say \\"hi there\\" "}'],
    ['a string ending in a backslash', '[ "back\\\\" , "x y" ]', '["back\\\\","x y"]'],
    [
      'an escaped backslash before a quote',
      '{ "k" : "\\\\\\" still in string" }',
      '{"k":"\\\\\\" still in string"}',
    ],
    [
      'nested structures',
      '{\n  "a": [ 1, { "b" : [ ] , "c" : { } } ],\r\n\t"d" : "e f"\n}',
      '{"a":[1,{"b":[],"c":{}}],"d":"e f"}',
    ],
    ['keys with spaces', '{ "a key" : "a value" }', '{"a key":"a value"}'],
    ['already compact JSON', '{"a":[1,2,{"b":null}]}', '{"a":[1,2,{"b":null}]}'],
  ])('handles %s', (_what, input, expected) => {
    const compact = compactJson(input);
    expect(compact).toBe(expected);
    // The result is the same JSON value.
    expect(JSON.parse(compact)).toEqual(JSON.parse(input));
  });
});

describe('parseMediaType', () => {
  it('lowercases the type and unquotes the charset', () => {
    expect(parseMediaType('Text/Plain; Charset="UTF-8"')).toMatchObject({
      type: 'text/plain',
      charset: 'utf-8',
    });
    expect(parseMediaType('application/json')).toMatchObject({
      type: 'application/json',
      charset: undefined,
    });
    // Parameter names are case-insensitive, their values are kept as written (subjects are not).
    expect(
      parseMediaType('application/vnd.schemaregistry+json; Subject="Orders-value"; version=2')
        ?.params,
    ).toEqual({ subject: 'Orders-value', version: '2' });
    expect(parseMediaType(undefined)).toBeUndefined();
  });
});

describe('encodeRequestBody: application/octet-stream', () => {
  const BYTES = Buffer.from([0x00, 0xc3, 0x28, 0xff, 0x0a]);

  it('keeps the bytes exactly, invalid UTF-8 and zero bytes included', () => {
    const encoded = encodeRequestBody(BYTES, 'application/octet-stream');
    expect(encoded.value).toEqual(BYTES);
    expect(encoded.contentType).toBe(BINARY_CONTENT_TYPE);
    expect(encoded.text).toBe('<5 bytes>');
  });

  it('takes an empty or missing body as a zero-length value', () => {
    expect(encodeRequestBody(Buffer.alloc(0), 'application/octet-stream').value).toHaveLength(0);
    expect(encodeRequestBody(undefined, 'Application/Octet-Stream').value).toHaveLength(0);
  });

  it('ignores a charset parameter, which means nothing for bytes', () => {
    expect(encodeRequestBody(BYTES, 'application/octet-stream; charset=latin1').value).toEqual(
      BYTES,
    );
  });

  it('names application/octet-stream among the accepted types in a 415', () => {
    expect(problemOf(() => encodeJson('x', 'image/png')).detail).toMatch(
      /application\/octet-stream/,
    );
  });
});
