import type { DeadLetter } from './job.types';

/** A dead letter as both doors show it: never the job's data. */
export function presentDeadLetter(letter: DeadLetter) {
  return { id: letter.id, queue: letter.queue, createdAt: letter.createdOn.toISOString(), error: letter.error ?? null };
}
