/**
 * The mongo store (mongoose 9), for production and scale-out. It uses no multi-document
 * transactions (FerretDB v1, on which CI runs it, has none): every rule rests on a unique
 * index, a delete whose deletedCount decides, or a single conditional update, and
 * multi-write operations are ordered so that a crash between writes leaves a state the
 * rules still handle (see each area's header).
 *
 * FerretDB v1.24 (SQLite backend) differs from MongoDB in one way that matters here: it
 * runs `update`, `findAndModify` (findOneAndUpdate/findOneAndDelete) and upserts as
 * "query in Go, then write the whole document back by _id", without re-checking the
 * filter, so conditional updates are not atomic between connections. Inserts under unique
 * indexes and deletes (deletedCount) are atomic there too, so prekey claims, codes,
 * challenges, device registration, the deployment root, certificates, enrolments, the
 * membership chain and the audit chain use only those.
 * The snapshot chain, per-author clock bookkeeping, the workspace sequence and the
 * membership view rely on conditional updates (atomic on MongoDB); within one process
 * they are additionally queued per workspace, so on FerretDB they are correct for a single
 * server process but not for several processes writing to the same workspace.
 * Organisation renewals and closing enrolments are conditional updates too; on FerretDB
 * a race between two of them can only pick the later writer (see their files).
 */
import mongoose from 'mongoose';
import type { Store } from '../port';
import { mongoAudit } from './audit';
import { mongoAuth } from './auth';
import { mongoBlobs } from './blobs';
import { mongoCertificates } from './certificates';
import { mongoDirectory } from './directory';
import { mongoEnrolments } from './enrolments';
import { mongoEnvelopes } from './envelopes';
import { mongoMailboxes } from './mailboxes';
import { defineModels } from './models';
import { mongoWorkspaces } from './workspaces';

/** Options of {@link openMongoStore}. */
export interface MongoStoreOptions {
  /** mongodb:// URI; the database is the URI's path (or `dbName`) */
  readonly uri: string;
  /** overrides the URI's database name */
  readonly dbName?: string;
  /** write concern `w`: 'majority' (default) or a number of nodes */
  readonly writeConcern?: 'majority' | number;
}

/** Connect, create collections and indexes, and return the store. */
export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const conn = mongoose.createConnection(options.uri, {
    ...(options.dbName !== undefined ? { dbName: options.dbName } : {}),
    writeConcern: { w: options.writeConcern ?? 'majority' },
    // Indexes are created explicitly before first use: the unique ones carry the rules.
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: 10_000,
  });
  try {
    await conn.asPromise();
    const models = await defineModels(conn);
    let closed = false;
    return {
      kind: 'mongo',
      directory: mongoDirectory(models),
      auth: mongoAuth(models),
      certificates: mongoCertificates(models),
      enrolments: mongoEnrolments(models),
      workspaces: mongoWorkspaces(models),
      mailbox: mongoMailboxes(models),
      envelopes: mongoEnvelopes(models),
      blobs: mongoBlobs(models),
      audit: mongoAudit(models),
      async health() {
        try {
          if (closed) throw new Error('store is closed');
          const db = conn.db;
          if (!db) throw new Error('not connected');
          await db.command({ ping: 1 });
          return { ok: true, kind: 'mongo' };
        } catch (error) {
          return { ok: false, code: 'unavailable', kind: 'mongo', error: error instanceof Error ? error.message : String(error) };
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        await conn.close();
      },
    };
  } catch (error) {
    await conn.close().catch(() => undefined);
    throw error;
  }
}
