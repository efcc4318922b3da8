/**
 * The one place that picks an adapter from configuration.
 */
import { openMongoStore } from './mongo/store';
import type { Store } from './port';
import { openSqliteStore } from './sqlite/store';

/** Which store to open: the embedded sqlite file (default) or MongoDB. */
export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string; readonly key?: string }
  | { readonly kind: 'mongo'; readonly uri: string; readonly writeConcern?: 'majority' | number; readonly dbName?: string };

/** Open the configured store (migrating / creating indexes as needed). */
export async function createStore(config: StoreConfig): Promise<Store> {
  if (config.kind === 'sqlite') {
    return openSqliteStore({ path: config.path, ...(config.key !== undefined ? { key: config.key } : {}) });
  }
  return openMongoStore({
    uri: config.uri,
    ...(config.writeConcern !== undefined ? { writeConcern: config.writeConcern } : {}),
    ...(config.dbName !== undefined ? { dbName: config.dbName } : {}),
  });
}
