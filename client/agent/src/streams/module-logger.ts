/**
 * One pino logger per module: a child of the agent's logger named after the module, or a
 * silent one when no parent was given (unit tests).
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

/** A child logger for one module; silent when the agent gave no parent. */
export function moduleLogger(parent: Logger | undefined, module: string): Logger {
  return (parent ?? pino({ level: 'silent' })).child({ module });
}
