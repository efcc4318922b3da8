/**
 * The socket.io handshake: `auth: { token, v }` parsed with the protocol schema, the
 * token resolved to a device, and the device put on `socket.data`. A refusal is a
 * connect error whose `data` is the protocol's `{ code, message }`
 * (connectErrorDataSchema): `unsupported_version` tells a client to upgrade,
 * `unauthenticated` to log in again.
 */
import { randomUUID } from 'node:crypto';
import type { ExtendedError } from 'socket.io';
import { parseHandshakeAuth } from '@yhteispoyta/crypto/protocol';
import type { ConnectErrorData, ErrorCode } from '@yhteispoyta/crypto/protocol';
import { recordAuditSafely } from '../services/audit';
import { authenticateToken } from '../services/sessions';
import type { Relay, RelaySocket } from './relay';

function connectError(code: ErrorCode, message: string): ExtendedError {
  const error: ExtendedError = new Error(message);
  const data: ConnectErrorData = { code, message };
  error.data = data;
  return error;
}

/** The client's address (X-Forwarded-For believed only from the configured proxy: http/client-address.ts). */
function clientAddress(relay: Relay, socket: RelaySocket): string {
  return relay.clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
}

/** Audits a refused handshake. No device is known yet, so the budget is per client address. */
async function auditRefusal(relay: Relay, socket: RelaySocket, code: ErrorCode): Promise<void> {
  if (!relay.runtime.denialAuditLimiter.take(`address:${clientAddress(relay, socket)}`, relay.ctx.now())) return;
  await recordAuditSafely(relay.ctx, { actor: null, action: 'denied', detail: { event: 'handshake', error: code } });
}

async function authenticate(relay: Relay, socket: RelaySocket): Promise<ExtendedError | undefined> {
  const { ctx } = relay;
  if (!relay.handshakeLimiter.take(clientAddress(relay, socket), ctx.now())) {
    return connectError('rate_limited', 'too many connection attempts: slow down');
  }
  const parsed = parseHandshakeAuth(socket.handshake.auth);
  if (!parsed.ok) {
    await auditRefusal(relay, socket, parsed.code);
    return connectError(parsed.code, parsed.message);
  }
  const holder = await authenticateToken(ctx, parsed.auth.token);
  if (holder === null || holder.expiresAt <= ctx.now()) {
    await auditRefusal(relay, socket, 'unauthenticated');
    return connectError('unauthenticated', 'invalid or expired session token');
  }
  socket.data.device = { userId: holder.userId, deviceId: holder.deviceId };
  socket.data.sessionExpiresAt = holder.expiresAt;
  return undefined;
}

/** The `io.use` middleware that authenticates every connection. Never throws. */
export function handshakeMiddleware(relay: Relay): (socket: RelaySocket, next: (err?: ExtendedError) => void) => void {
  return (socket, next) => {
    authenticate(relay, socket).then(
      (refusal) => next(refusal),
      (thrown: unknown) => {
        const errorId = randomUUID();
        relay.log.error({ err: thrown, errorId }, 'socket handshake failed');
        next(connectError('internal', `internal error ${errorId}`));
      },
    );
  };
}
