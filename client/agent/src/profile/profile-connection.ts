/**
 * The profile's SQLCipher connection, with its prepared statements looked up by their SQL
 * text itself. The driver's own statement cache builds its key as a new string of the
 * options and the whole SQL text on every `prepare`, so every call copies and hashes the
 * statement anew; the stores here pass string literals, whose hash V8 keeps, and call
 * `prepare` for every statement they run (1.7 % of a load-generating process's CPU at
 * 10 × 5 in the bench's profile, 3 % at 50 × 5).
 */
import Database from '@signalapp/sqlcipher';
import type { Statement, StatementOptions } from '@signalapp/sqlcipher';

/** A connection whose `prepare` returns the same statement for the same text and result shape. */
export class ProfileConnection extends Database {
  /** statements returning rows, and those returning one column (`pluck`) */
  readonly #rows = new Map<string, Statement<StatementOptions>>();
  readonly #plucked = new Map<string, Statement<StatementOptions>>();

  /** Opens `path` with the driver's statement cache on (statements it prepares for us stay alive). */
  constructor(path: string) {
    super(path, { cacheStatements: true });
  }

  override prepare<Options extends StatementOptions = StatementOptions>(query: string, options: Options): Statement<Options>;
  override prepare(query: string): Statement<object>;
  override prepare(query: string, options: StatementOptions = {}): Statement<StatementOptions> {
    // A one-off statement, or one answering big integers, is the driver's business.
    if (options.persistent === false || options.bigint === true) return super.prepare(query, options);
    const cache = options.pluck === true ? this.#plucked : this.#rows;
    let statement = cache.get(query);
    if (statement === undefined) {
      statement = super.prepare(query, options);
      cache.set(query, statement);
    }
    return statement;
  }

  override close(): void {
    this.#rows.clear();
    this.#plucked.clear();
    super.close();
  }
}
