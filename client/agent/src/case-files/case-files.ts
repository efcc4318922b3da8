/**
 * The workspace's files as the "Liitteet" view lists them (workspace-files.ts), from the
 * chat and records this device verified and names from certificates.
 */
import type { WorkspaceFile } from '@yhteispoyta/local-api';
import type { ChatService, MembershipService, RecordsService } from '../contracts';
import { CaseFileError } from './case-file-error';
import { peopleOf } from './people';
import { workspaceFiles } from './workspace-files';

/** What the list is built from. */
export interface CaseFilesDeps {
  readonly chat: Pick<ChatService, 'list'>;
  readonly records: Pick<RecordsService, 'list'>;
  readonly membership: Pick<MembershipService, 'list'>;
}

/** Every file of a workspace with where it is used. Throws CaseFileError `unknown_workspace` for a workspace this device is not in. */
export async function listWorkspaceFiles(deps: CaseFilesDeps, workspaceId: string): Promise<WorkspaceFile[]> {
  const workspace = (await deps.membership.list()).find((w) => w.workspaceId === workspaceId);
  if (workspace === undefined) throw new CaseFileError('unknown_workspace', 'This device is not a member of that workspace.');
  const [messages, records] = await Promise.all([deps.chat.list(workspaceId), deps.records.list(workspaceId)]);
  return workspaceFiles({ messages, records, personOf: peopleOf(workspace.members) });
}
