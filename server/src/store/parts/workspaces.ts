/**
 * The workspace part of the storage port: workspaces, their signed membership chains
 * and the member view materialised from each chain.
 */
import type { DeviceRef, MemberInfo, MembershipEvent, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { Fail, Ok } from './results';

/**
 * A workspace as the server knows it: an opaque id and its kind. Its label is not here: the
 * chain names it only by a commitment and members receive it encrypted (issue 15).
 */
export interface WorkspaceRecord {
  readonly id: string;
  readonly kind: WorkspaceKind;
  readonly createdAt: number;
  readonly lastActivityAt: number;
}

/** A stored membership event with the hex SHA-256 of its canonical bytes (the next prevHash). */
export interface StoredMembershipEvent {
  readonly event: MembershipEvent;
  readonly hash: string;
}

/** The `prevHash` of seq 0 and the audit chain's genesis: 64 hex zeros. */
export const ZERO_HASH_HEX = '0'.repeat(64);

/** The server's materialised view of a workspace's members, computed from the chain. */
export interface MembershipView {
  /** seq of the last membership event the view reflects */
  readonly asOfSeq: number;
  readonly members: readonly MemberInfo[];
}

/** Workspaces and their membership. Every method is safe to call concurrently. */
export interface WorkspaceStore {
  /** Create a workspace (lastActivityAt starts at createdAt). */
  createWorkspace(ws: Omit<WorkspaceRecord, 'lastActivityAt'>): Promise<Ok | Fail<'exists'>>;
  /** A workspace, or null. */
  getWorkspace(id: string): Promise<WorkspaceRecord | null>;
  /** Move lastActivityAt forward (never back). */
  touchWorkspace(id: string, at: number): Promise<void>;
  /**
   * Append the next membership event. Accepted only if `expectedSeq` is the chain's next
   * seq (0 for an empty chain) and `expectedPrevHash` is the hash of the event before it
   * (ZERO_HASH_HEX for seq 0), and the event itself carries exactly these workspaceId, seq
   * and prevHash. Of concurrent appends with the same seq exactly one wins.
   */
  appendMembershipEvent(
    workspaceId: string,
    entry: StoredMembershipEvent,
    expectedSeq: number,
    expectedPrevHash: string,
  ): Promise<
    | Ok
    | Fail<'unknown_workspace' | 'mismatch'>
    /** the chain moved on: `headSeq` is -1 for an empty chain */
    | Fail<'conflict', { headSeq: number; headHash: string }>
  >;
  /** Events with seq > afterSeq (-1 for all), by seq; at most `limit` (default 10 000). */
  listMembershipEvents(workspaceId: string, afterSeq: number, limit?: number): Promise<StoredMembershipEvent[]>;
  /**
   * Replace the materialised membership view; ignored as `stale` unless `view.asOfSeq`
   * is newer than the stored one (so concurrent server processes never move it back).
   */
  setMembershipView(workspaceId: string, view: MembershipView): Promise<Ok | Fail<'stale', { asOfSeq: number }>>;
  /**
   * A mark of what other writers did: it changes whenever another process or connection
   * sharing the store may have committed since the previous answer, and stays the same
   * while only this store object writes. null when the adapter cannot tell; a caller then
   * reads from the store whatever it keeps a copy of. What it is for: the chain cache
   * (services/chain-cache.ts) keeps a workspace's verified state while the mark stands
   * still, instead of querying the store for every push.
   */
  foreignWriteMark(): Promise<number | null>;
  /** Current member devices per the view (fan-out targets). */
  memberDevices(workspaceId: string): Promise<DeviceRef[]>;
  /** Ids of the workspaces the user is a member of per the views. */
  workspacesOfUser(userId: string): Promise<string[]>;
}
