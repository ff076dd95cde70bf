// Content negotiation for the message routes: JSON by default, the tutorial's sentences on request.
import type { Request, RequestHandler } from 'express';
import { problems } from './problem';

export const MESSAGE_RESPONSE_TYPES = ['application/json', 'text/plain'] as const;
export type MessageResponseType = (typeof MESSAGE_RESPONSE_TYPES)[number];

/** The response type the client prefers, or undefined when it accepts neither. */
export function preferredResponseType(req: Request): MessageResponseType | undefined {
  return (req.accepts([...MESSAGE_RESPONSE_TYPES]) || undefined) as MessageResponseType | undefined;
}

/** Refuses an unanswerable Accept with 406 before the route does anything else. */
export function requireAcceptable(): RequestHandler {
  return (req, _res, next) => {
    next(preferredResponseType(req) ? undefined : problems.notAcceptable(MESSAGE_RESPONSE_TYPES));
  };
}
