/**
 * Mailboxes of pairwise control messages: send, fetch, acknowledge. The sender and the
 * owner of a mailbox are always the logged-in device.
 */
import { ackMailbox, fetchMailbox, sendMailbox } from '../../services/mailbox';
import { deviceRefOf } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the mailbox routes. */
export const mailboxRoutes: Pick<RouteHandlers, 'sendMailbox' | 'fetchMailbox' | 'ackMailbox'> = {
  sendMailbox: async ({ ctx, device, body }) => sendMailbox(ctx, deviceRefOf(device), body),
  fetchMailbox: async ({ ctx, device, query }) => fetchMailbox(ctx, deviceRefOf(device), query.limit),
  ackMailbox: async ({ ctx, device, body }) => ackMailbox(ctx, deviceRefOf(device), body.ids),
};
