/**
 * The workspace's members and organisations as the records forms offer them: who can be
 * addressed, invited or made an action's owner, and how an author is named.
 */
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { Member, RecordAddressee } from '@yhteispoyta/local-api';

/** The organisations with a member in the workspace (the client's "clients" is none). */
export function workspaceOrgs(members: readonly Member[]): { orgId: string; name: string }[] {
  const orgs = new Map<string, string>();
  for (const m of members) if (m.role !== 'client' && m.orgId !== CLIENTS_ORG_ID) orgs.set(m.orgId, m.orgName ?? orgs.get(m.orgId) ?? m.orgId);
  return [...orgs].map(([orgId, name]) => ({ orgId, name }));
}

/** An addressee as a select's value (`org:<id>` / `member:<id>`) and back. */
export function addresseeValue(to: RecordAddressee | undefined): string {
  if (to === undefined) return '';
  return to.kind === 'org' ? `org:${to.orgId}` : `member:${to.userId}`;
}

/** The addressee a select's value names, or undefined for none. */
export function parseAddressee(value: string): RecordAddressee | undefined {
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  if (kind === 'org' && id !== '') return { kind: 'org', orgId: id };
  if (kind === 'member' && id !== '') return { kind: 'member', userId: id };
  return undefined;
}
