// Content negotiation for the message routes: JSON by default, the tutorial's sentences on request,
// and (where a route offers it) the raw value bytes.
import type { Request, RequestHandler } from 'express';
import { problems } from './problem';

export const MESSAGE_RESPONSE_TYPES = ['application/json', 'text/plain'] as const;
/** A single-message GET can also answer with the value's bytes as the body. */
export const RAW_MESSAGE_RESPONSE_TYPES = [
  ...MESSAGE_RESPONSE_TYPES,
  'application/octet-stream',
] as const;
export type MessageResponseType = (typeof RAW_MESSAGE_RESPONSE_TYPES)[number];

/**
 * The response type the client prefers among `types`, or undefined when it accepts none. Ties
 * (`*\/*`, or no Accept) go to the first: JSON.
 */
export function preferredResponseType(
  req: Request,
  types: readonly MessageResponseType[] = MESSAGE_RESPONSE_TYPES,
): MessageResponseType | undefined {
  return (req.accepts([...types]) || undefined) as MessageResponseType | undefined;
}

/** Refuses an unanswerable Accept with 406 before the route does anything else. */
export function requireAcceptable(
  types: readonly MessageResponseType[] = MESSAGE_RESPONSE_TYPES,
): RequestHandler {
  return (req, _res, next) => {
    next(preferredResponseType(req, types) ? undefined : problems.notAcceptable(types));
  };
}
