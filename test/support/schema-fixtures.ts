// Schemas the registry tests share: a JSON Schema of a sensor reading.

/** A draft-07 JSON Schema: `sensor` required, `celsius` a number, nothing else. */
export const READING_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Reading',
  type: 'object',
  properties: { sensor: { type: 'string' }, celsius: { type: 'number' } },
  required: ['sensor'],
  additionalProperties: false,
};
