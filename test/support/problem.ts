// The one check of an error answer: an RFC 9457 problem (its content type, type, title and the
// status it claims), with nothing of the service's insides in it. Returns the body.
import type { Response } from 'supertest';

export function expectProblem(res: Response, status: number): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({ type: expect.any(String), title: expect.any(String), status }),
  );
  expect(res.text).not.toMatch(/\n\s+at |node_modules|Error:/);
  return body;
}
