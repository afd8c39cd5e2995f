import { contextOf } from '../http/json-body';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import type { DeadLetterService } from './dead-letter.service';
import { presentDeadLetter } from './dead-letter.presenter';

/** /v1/jobs: the queue's dead letters, for admins. */
export function deadLettersRouter(services: { deadLetters: DeadLetterService }, guard: RouteGuard) {
  const router = canonicalRouter();

  router.get('/:queue/dead-letters', guard, async (req, res) => {
    const letters = await services.deadLetters.list(contextOf(res), String(req.params.queue));
    res.set('Cache-Control', 'no-store').json({ data: letters.map(presentDeadLetter) });
  });

  router.post('/:queue/dead-letters/:id/retry', guard, async (req, res) => {
    const jobId = await services.deadLetters.retry(contextOf(res), String(req.params.queue), String(req.params.id));
    res.status(202).json({ jobId });
  });

  return router;
}
