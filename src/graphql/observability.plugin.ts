import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context/request-context';
import type { Metrics } from '../platform/observability/metrics';

/** Operation names come from clients: only tidy ones become labels, so metrics cannot be flooded. */
function operationLabel(name: string | null | undefined): string {
  return name && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'anonymous';
}

/**
 * Names the operation for the request log and metrics and times it. (The request id on every error
 * is formatError's: src/graphql/format-error.ts.)
 */
export function observabilityPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const stop = metrics.graphqlDuration.startTimer();
      let operation = 'anonymous';
      return {
        async didResolveOperation({ operationName }) {
          operation = operationLabel(operationName);
          contextValue.logFields.operation = operation;
        },
        async willSendResponse({ errors }) {
          stop({ operation });
          metrics.graphqlOperations.inc({ operation, outcome: errors?.length ? 'error' : 'ok' });
        },
      };
    },
  };
}
