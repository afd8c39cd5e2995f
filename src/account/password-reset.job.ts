import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobHandler, QueueDefinition } from '../jobs/job.types';
import type { PasswordResetService, ResetRequest } from './password-reset.service';

export const PASSWORD_RESET_QUEUE = 'account.password-reset';

/** A forgotten-password request waiting for its lookup. It holds an address: kept minutes, not days. */
export const passwordResetQueue: QueueDefinition = {
  name: PASSWORD_RESET_QUEUE,
  retryLimit: 5,
  retryDelaySeconds: 5,
  retryDelayMaxSeconds: 300,
  expireInSeconds: 60,
  deleteAfterSeconds: 600,
  // Past this, a link would reach someone who has given up on it.
  retentionSeconds: 3600,
};

/** The job's half of PasswordResetService.requestReset, on an EntityManager of its own. */
export function passwordResetHandler(passwordReset: Pick<PasswordResetService, 'sendResetLink'>, fork: () => EntityManager): JobHandler<ResetRequest> {
  return async (request) => {
    await passwordReset.sendResetLink(fork(), request);
  };
}
