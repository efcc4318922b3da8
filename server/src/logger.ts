/**
 * pino loggers, one per module. Whatever a caller passes, these paths are censored:
 * tokens, codes, keys, signatures and envelope bodies never reach a log line.
 */
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

const REDACT = [
  'token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie',
  'code', '*.code_secret', 'nonce', '*.nonce', 'signature', '*.signature', 'ciphertext', '*.ciphertext',
  'envelope', '*.envelope', 'header', 'identityKey', '*.identityKey', 'prekeys', '*.prekeys', 'body', '*.body',
  'message.body', 'key', '*.key',
];

/** Create the root logger of a process. `destination` lets tests capture the output. */
export function createRootLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'yhteispoyta-server' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A child logger for one module, e.g. `moduleLogger(root, 'socket')`. */
export function moduleLogger(root: Logger, module: string): Logger {
  return root.child({ module });
}
