/**
 * The "Liitteet" list of a workspace (docs/design.md §11.4): every file its verified chat
 * messages and records carry, once per file (blob and plaintext hash), with who shared it
 * first, when, and every place it is used — so a file delivered once is found and pointed
 * at again instead of being uploaded a second time. Built only from what this agent
 * verified: messages and record events whose signatures, authors and clocks it checked,
 * and records its own replay accepted; never from the server's blob metadata.
 */
import type { CaseRecordView, FileUse, WorkspaceFile } from '@yhteispoyta/local-api';
import type { ChatMessage } from '../contracts';
import type { PersonOf } from './people';

/** What the list is built from. */
export interface FileSources {
  /** the workspace's chat as the ChatService holds it (verified, in server order) */
  readonly messages: readonly ChatMessage[];
  /** the workspace's records as the agent's replay shows them (refused events are not in them) */
  readonly records: readonly CaseRecordView[];
  readonly personOf: PersonOf;
}

type Ref = Pick<WorkspaceFile, 'blobId' | 'name' | 'type' | 'size' | 'sha256'>;

/** Pending uses (seq 0) after the sequenced ones, each in the server's order, then by time. */
function useOrder(a: FileUse, b: FileUse): number {
  if (a.pending !== b.pending) return a.pending ? 1 : -1;
  return a.seq - b.seq || a.at - b.at;
}

/** The workspace's files, the most recently shared first. */
export function workspaceFiles(sources: FileSources): WorkspaceFile[] {
  const found = new Map<string, { ref: Ref; uses: FileUse[] }>();
  const add = (ref: Ref, use: FileUse): void => {
    // One file is one blob with one plaintext hash: a member naming a blob with another hash names another file.
    const key = `${ref.blobId}:${ref.sha256}`;
    const entry = found.get(key) ?? { ref, uses: [] };
    if (!entry.uses.some((u) => u.where === use.where && u.id === use.id)) entry.uses.push(use);
    found.set(key, entry);
  };
  for (const message of sources.messages) {
    if (message.deleted) continue;
    const by = sources.personOf(message.author.userId, message.authorOrgId === undefined ? undefined : { orgId: message.authorOrgId });
    for (const ref of message.attachments) {
      add(ref, { where: 'chat', id: message.id, at: message.sentAt, seq: message.seq, by, pending: message.pending });
    }
  }
  for (const record of sources.records) {
    if (record.kind !== 'request' && record.kind !== 'statement') continue;
    const by = sources.personOf(record.author.userId, { orgId: record.author.orgId, role: record.author.role });
    for (const ref of record.attachments) {
      add(ref, {
        where: record.kind, id: record.id, at: record.at, seq: record.seq, by, pending: record.pending,
        ...(record.kind === 'request' ? { subject: record.subject } : {}),
      });
    }
  }
  const files = [...found.values()].map(({ ref, uses }) => {
    uses.sort(useOrder);
    const first = uses[0] as FileUse;
    return { blobId: ref.blobId, name: ref.name, type: ref.type, size: ref.size, sha256: ref.sha256, sharedBy: first.by, sharedAt: first.at, uses };
  });
  return files.sort((a, b) => useOrder(b.uses[0] as FileUse, a.uses[0] as FileUse));
}
