// W3C Trace Context: the `traceparent` header is version 00, a 32-hex trace id, a 16-hex parent
// id and 2-hex flags, with neither id all zeros.
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The value as a normalised traceparent, or undefined when it is not one. */
export function validTraceparent(value: string | undefined): string | undefined {
  const normalised = value?.trim().toLowerCase();
  return normalised && TRACEPARENT.test(normalised) ? normalised : undefined;
}
