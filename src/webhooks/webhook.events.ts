/** Domain events of webhooks, told to subscribers once the write that caused them has committed. */

/** Deliveries of this endpoint may be due now (a redelivery, a test, a re-enabled endpoint): the delivery loop is woken. */
export interface WebhookDeliveriesScheduled {
  readonly type: 'WebhookDeliveriesScheduled';
  readonly webhookId: string;
}
