/**
 * The authorization matrix: every REST route and every client socket event against five
 * callers who must be refused — no token, an expired token, a member of another
 * workspace, a removed member, and the client person where a professional (an owner) is
 * required. Each cell names the protocol error code the refusal must carry, or says in
 * words why the column does not apply. The tables are typed by the protocol's own
 * route and event lists, so a route or event added without a row does not compile.
 */
import type { ClientToServerEventName, ErrorCode, RouteName } from '@yhteispoyta/crypto/protocol';

/** The callers of the matrix. */
export const COLUMNS = ['noToken', 'expiredToken', 'otherWorkspace', 'removedMember', 'clientRole'] as const;
/** One caller. */
export type Column = (typeof COLUMNS)[number];

/** What a cell demands: a refusal with this code, or nothing because the column does not apply (and why). */
export type Cell = { readonly deny: ErrorCode } | { readonly na: string };

/** One row: a cell per column. */
export type Row = { readonly [C in Column]: Cell };

const unauthenticated: Cell = { deny: 'unauthenticated' };
const forbidden: Cell = { deny: 'forbidden' };
const na = (reason: string): Cell => ({ na: reason });

const PUBLIC = 'public route: no session, nothing to refuse';
const NO_WORKSPACE = 'concerns no workspace';
const OWN_DEVICE = "acts on the caller's own device only";
const DIRECTORY = 'the directory is open to every enrolled device (as Signal\'s prekey directory is); no workspace involved';
const CERTIFICATES = 'certificates are signed public statements every agent needs to verify anyone it meets; they prove themselves, the server only serves them';

/** A device route that concerns no workspace: only the session is checked. */
const sessionOnly = (reason: string, client = reason): Row => ({
  noToken: unauthenticated,
  expiredToken: unauthenticated,
  otherWorkspace: na(reason),
  removedMember: na(reason),
  clientRole: na(client),
});

/** An admin route: every device token, valid or not, is not the operator's token. */
const adminOnly: Row = {
  noToken: unauthenticated,
  expiredToken: unauthenticated,
  otherWorkspace: unauthenticated,
  removedMember: unauthenticated,
  clientRole: unauthenticated,
};

/** A route of one workspace's content, open to every current member, the client included. */
const memberContent = (client: string): Row => ({
  noToken: unauthenticated,
  expiredToken: unauthenticated,
  otherWorkspace: forbidden,
  removedMember: forbidden,
  clientRole: na(client),
});

/** A route nobody signs in for. */
const publicRow = (expired: string = PUBLIC): Row => ({
  noToken: na(PUBLIC), expiredToken: na(expired), otherWorkspace: na(PUBLIC), removedMember: na(PUBLIC), clientRole: na(PUBLIC),
});

/** Every REST route. */
export const REST_MATRIX: { readonly [N in RouteName]: Row } = {
  health: publicRow(),
  ready: publicRow(),
  // The deployment owner's and the organisations' admin tools (docs/design.md §3).
  setRoot: adminOnly,
  createOrg: adminOnly,
  adminListOrgs: adminOnly,
  verifyAudit: adminOnly,
  putLogCertificate: adminOnly,
  issueEnrolmentCode: adminOnly,
  listOrgEnrolments: adminOnly,
  adminStoreCertificate: adminOnly,
  // Agents fetch the root before they have a device (they pin it against their code's fingerprint).
  getRoot: publicRow(`${PUBLIC}: agents compare it with the fingerprint their code carries`),
  // The transparency log is public like the root: it holds only certificates, which are public statements.
  getLog: publicRow(),
  logConsistency: publicRow(),
  logEntries: publicRow(),
  listOrgs: sessionOnly(NO_WORKSPACE, 'the client chooses the organisations of his consent from this list'),
  // A name search with a capped answer (issue 15); a client finds only people sharing a workspace with him (checked separately).
  listOrgUsers: sessionOnly(
    'searches the directory by name: at most 20 certified professionals, never a staff list',
    'a client finds only people who share a workspace with him (checked separately)',
  ),
  createInvitation: { noToken: unauthenticated, expiredToken: unauthenticated, otherWorkspace: forbidden, removedMember: forbidden, clientRole: forbidden },
  redeemInvitation: {
    noToken: unauthenticated,
    expiredToken: unauthenticated,
    otherWorkspace: forbidden,
    removedMember: forbidden,
    clientRole: na('the client is the one who redeems a further invitation (only a client may: a professional is refused as the two columns before show)'),
  },
  invitationEnrolment: sessionOnly(
    'answers null for an invitation the caller did not issue, exactly as before it is redeemed (no oracle; checked separately)',
  ),
  createLinkCode: sessionOnly(`${OWN_DEVICE}: a code for another device of the caller's user`),
  pendingDevices: sessionOnly(`${OWN_DEVICE}: the caller's own person's devices waiting for approval (checked separately)`),
  // The certificate stored is the client certificate alice's device signed when it certified W's client.
  storeCertificate: { noToken: unauthenticated, expiredToken: unauthenticated, otherWorkspace: forbidden, removedMember: forbidden, clientRole: forbidden },
  queryCertificates: sessionOnly(CERTIFICATES),
  enrol: publicRow(`${PUBLIC}: the code id and the proof of its secret authenticate, for the code's issuer to check`),
  authChallenge: publicRow(),
  login: publicRow(`${PUBLIC}: the identity-key signature authenticates`),
  topUpPrekeys: sessionOnly(OWN_DEVICE),
  replaceSignedPreKey: sessionOnly(OWN_DEVICE),
  countPrekeys: sessionOnly(OWN_DEVICE),
  // Bundles only of people the caller shares a workspace with, or of his own other devices (issue 15).
  claimBundles: {
    noToken: unauthenticated,
    expiredToken: unauthenticated,
    otherWorkspace: forbidden,
    removedMember: forbidden,
    clientRole: na('the client shares W with alice: he may set up a session with her (rotation after revoking consent)'),
  },
  listUserDevices: sessionOnly(DIRECTORY),
  createWorkspace: {
    noToken: unauthenticated,
    expiredToken: unauthenticated,
    otherWorkspace: na('creates a new workspace'),
    removedMember: na('creates a new workspace'),
    // A client never creates a workspace (issue 15.2): he joins the case he was invited to.
    clientRole: forbidden,
  },
  listWorkspaces: sessionOnly("lists the caller's own workspaces (a removed member's list is checked separately)", "lists the caller's own workspaces"),
  listMembership: memberContent('the client reads the chain of his own case'),
  appendMembership: { noToken: unauthenticated, expiredToken: unauthenticated, otherWorkspace: forbidden, removedMember: forbidden, clientRole: forbidden },
  sendMailbox: {
    noToken: unauthenticated,
    expiredToken: unauthenticated,
    otherWorkspace: forbidden,
    removedMember: forbidden,
    clientRole: na('a client device distributes epoch keys of his case too (rotation after revoking consent)'),
  },
  fetchMailbox: sessionOnly(`${OWN_DEVICE}: its own mailbox`),
  ackMailbox: sessionOnly(`${OWN_DEVICE}: its own mailbox`),
  uploadBlob: memberContent('the client shares attachments in his case'),
  downloadBlob: memberContent('the client reads attachments of his case'),
  confirmBlobs: memberContent('the client confirms the attachments of the messages he sends in his case'),
  queryAudit: memberContent('the client may read the log of his own case (client-data act 703/2023)'),
  recordAccess: memberContent('the client records opening and exporting in his own case like any member'),
};

const CLIENT_MEMBER = 'the client is a full member of his case for documents, chat and presence';

/** A socket event on one workspace: no/expired sessions are refused at the handshake or on the event, strangers forbidden. */
const workspaceEvent: Row = {
  noToken: unauthenticated,
  expiredToken: unauthenticated,
  otherWorkspace: forbidden,
  removedMember: forbidden,
  clientRole: na(CLIENT_MEMBER),
};

/** Every client → server socket event. */
export const SOCKET_MATRIX: { readonly [E in ClientToServerEventName]: Row } = {
  join: workspaceEvent,
  leave: workspaceEvent,
  push: workspaceEvent,
  snapshot: workspaceEvent,
  presence: workspaceEvent,
  fetch: workspaceEvent,
};

/** Whether a cell demands a refusal. */
export function isDenial(cell: Cell): cell is { readonly deny: ErrorCode } {
  return 'deny' in cell;
}
