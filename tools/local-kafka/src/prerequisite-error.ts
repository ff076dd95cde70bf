/** Something the local broker needs is missing or unusable; the message says what to do. */
export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}
