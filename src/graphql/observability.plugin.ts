import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context/request-context';
import type { Metrics } from '../observability/metrics';

/** Operation names come from clients: only tidy ones become labels, so metrics cannot be flooded. */
function operationLabel(name: string | null | undefined): string {
  return name && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'anonymous';
}

/**
 * Names the operation for the request log and metrics, times it, and stamps the request id on every
 * error so a client report can be matched to the server's log line.
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
        async willSendResponse({ response, errors }) {
          stop({ operation });
          metrics.graphqlOperations.inc({ operation, outcome: errors?.length ? 'error' : 'ok' });
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((error) => ({
              ...error,
              extensions: { ...error.extensions, requestId: contextValue.requestId },
            }));
          }
        },
      };
    },
  };
}
