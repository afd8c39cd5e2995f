import type { Response } from 'express';
import type { FieldError } from '../platform/errors/domain.errors';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  field?: string;
  retryAfter?: number;
  /** The domain error's code where clients must tell it from its status alone (REAUTHENTICATION_REQUIRED). */
  code?: string;
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
