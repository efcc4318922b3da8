/**
 * FOR TESTS: the server's directory, certificates, membership chains and mailboxes in
 * memory, as a RestClient per device. Registered professionals are certified by a test
 * organisation under the fake's deployment root (`ca`); an invited client's device waits
 * as a pending enrolment until its inviter's agent certifies it. It applies the server's
 * chain rules (appendCheck on every append, member devices only), and lets a test make it
 * hostile: serve a chain it has rewritten, drop or inject mailbox items, hand out another
 * identity key in a bundle, add certificates of its own.
 */
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import type { TestOrg, TestPerson } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import { certificateId, certificateJson } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { appendCheck } from '@yhteispoyta/crypto/membership';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { bundleFromUpload } from '@yhteispoyta/crypto/memory-stores';
import type { PendingEnrolment, RouteBody, RouteName, RouteQuery, RouteResponse } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MailboxItem, MembershipEvent, PrekeyUpload, Role } from '@yhteispoyta/crypto/types';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';

interface FakeDevice {
  readonly upload: PrekeyUpload;
  claimed: number;
  /** the key the directory announces (a test may swap it) */
  announcedKey: string;
  /** another device's upload handed out in this device's bundles (a test may set it) */
  substitute?: PrekeyUpload;
}

type Input<N extends RouteName> = { params?: Record<string, string>; query?: RouteQuery<N>; body?: RouteBody<N> };

/** An in-memory server for the keys module. */
export class FakeKeysServer {
  /** the deployment root and its organisations; certificates are valid around now */
  readonly ca = new TestAuthority(Date.now());
  readonly testOrgs = new Map<string, TestOrg>();
  /** certified professionals (their user keys sign their device certificates) */
  readonly people = new Map<string, TestPerson>();
  certificates: Certificate[] = [];
  /** client devices waiting for their inviter, by invitation code id */
  readonly enrolments = new Map<string, PendingEnrolment>();
  readonly orgs = new Map<string, string>();
  readonly users = new Map<string, { orgId: string; role: Role; displayName: string }>();
  readonly devices = new Map<string, FakeDevice>();
  readonly chains = new Map<string, MembershipEvent[]>();
  readonly states = new Map<string, ChainState>();
  mailbox: MailboxItem[] = [];
  /** replaces what listMembership serves, when set */
  serveChain: ((workspaceId: string, after: number | undefined) => MembershipEvent[]) | undefined;
  /** replaces the seq listWorkspaces announces, when set */
  announceSeq: ((workspaceId: string, seq: number) => number) | undefined;
  #nextId = 1;
  invitations = 0;

  /**
   * Register a user with one device's public prekeys. A professional (with `certify`, the
   * default) gets a user certificate of his organisation and a device certificate; a
   * client passes his `enrolment` (keys, device certificate, proof) for his inviter.
   */
  register(
    user: { userId: string; orgId: string; role: Role; displayName?: string },
    upload: PrekeyUpload,
    opts: { certify?: boolean; enrolment?: Omit<PendingEnrolment, 'kind' | 'userId' | 'deviceId' | 'identityKey' | 'registrationId' | 'enrolledAt'> } = {},
  ): void {
    if (!this.orgs.has(user.orgId)) this.orgs.set(user.orgId, `Org ${user.orgId}`);
    this.users.set(user.userId, { orgId: user.orgId, role: user.role, displayName: user.displayName ?? user.userId });
    this.devices.set(`${user.userId}.${upload.deviceId}`, { upload, claimed: 0, announcedKey: upload.identityKey });
    if (opts.enrolment !== undefined) {
      this.enrolments.set(opts.enrolment.codeId, {
        ...opts.enrolment, kind: 'invitation', userId: user.userId, deviceId: upload.deviceId, identityKey: upload.identityKey,
        registrationId: upload.registrationId, enrolledAt: Date.now(),
      });
    }
    if (user.role === 'client' || opts.certify === false) return;
    const person = this.certifyPerson(user.userId, user.orgId, user.role, user.displayName);
    this.certificates.push(this.ca.deviceFor(person, upload.deviceId, upload.identityKey));
  }

  /** The organisation certified under the fake's root (made on first use). */
  org(orgId: string): TestOrg {
    let org = this.testOrgs.get(orgId);
    if (org === undefined) {
      org = this.ca.org(orgId, { name: this.orgs.get(orgId) ?? `Org ${orgId}` });
      this.testOrgs.set(orgId, org);
      this.certificates.push(org.cert);
    }
    return org;
  }

  /** A professional's user certificate (made on first use). */
  certifyPerson(userId: string, orgId: string, role: Role, displayName?: string): TestPerson {
    let person = this.people.get(userId);
    if (person === undefined) {
      person = this.ca.professional(this.org(orgId), userId, { role: role as Exclude<Role, 'client'>, displayName: displayName ?? userId });
      this.people.set(userId, person);
      this.certificates.push(person.cert);
    }
    return person;
  }

  /** The REST client of one device. */
  restFor(device: DeviceRef): RestClient {
    const call = async <N extends RouteName>(route: N, input: Input<N>): Promise<RouteResponse<N>> => {
      // Every answer crosses a JSON boundary, as over HTTP.
      return JSON.parse(JSON.stringify(this.#handle(device, route, input))) as RouteResponse<N>;
    };
    return {
      call,
      uploadBlob: () => Promise.reject(new RestError('not_found', 'no blobs here')),
      downloadBlob: () => Promise.reject(new RestError('not_found', 'no blobs here')),
    };
  }

  #isMemberDevice(workspaceId: string, ref: DeviceRef): boolean {
    const state = this.states.get(workspaceId);
    return state?.members.get(ref.userId)?.devices.some((d) => d.deviceId === ref.deviceId) ?? false;
  }

  #identity(ref: DeviceRef): Uint8Array | undefined {
    const d = this.devices.get(deviceKey(ref));
    return d === undefined ? undefined : fromBase64(d.upload.identityKey);
  }

  #append(event: MembershipEvent): void {
    const state = this.states.get(event.workspaceId) ?? null;
    const checked = appendCheck(state, event, (ref) => this.#identity(ref));
    if (!checked.ok) {
      const conflict = checked.code === 'fork' || checked.code === 'gap' || checked.code === 'bad_prev_hash';
      throw new RestError(conflict ? 'conflict' : 'invalid_chain', `refused: ${checked.code}`, conflict ? 409 : 400);
    }
    this.chains.set(event.workspaceId, [...(this.chains.get(event.workspaceId) ?? []), checked.event]);
    this.states.set(event.workspaceId, checked.state);
  }

  #handle(caller: DeviceRef, route: RouteName, input: Input<RouteName>): unknown {
    const body = input.body as Record<string, unknown> | undefined;
    const params = input.params ?? {};
    switch (route) {
      case 'listOrgs':
        return { orgs: [...this.testOrgs.values()].map((o) => ({ orgId: o.orgId, name: o.cert.body.name, certificate: certificateJson(o.cert) })) };
      case 'queryCertificates':
        return { certificates: this.certificates.map(certificateJson) };
      case 'storeCertificate': {
        // The fake checks nothing: agents must not rely on the server's checks.
        const certificate = (body as { certificate: Certificate }).certificate;
        this.certificates.push(certificate);
        return { id: certificateId(certificate) };
      }
      case 'invitationEnrolment':
        return { enrolment: this.enrolments.get(params.codeId ?? '') ?? null };
      case 'listOrgUsers':
        // As the real server: client persons are never listed.
        return { users: [...this.users].filter(([, u]) => u.orgId === params.orgId && u.role !== 'client').map(([userId, u]) => ({ userId, ...u })) };
      case 'listUserDevices': {
        if (!this.users.has(params.userId ?? '')) throw new RestError('not_found', 'no such user', 404);
        const devices = [...this.devices].filter(([key]) => key.startsWith(`${params.userId}.`)).map(([, d]) => d);
        return { devices: devices.map((d) => ({ deviceId: d.upload.deviceId, identityKey: d.announcedKey, registrationId: d.upload.registrationId })) };
      }
      case 'claimBundles': {
        const { userId, deviceIds } = body as { userId: string; deviceIds: number[] };
        return {
          bundles: deviceIds.flatMap((deviceId) => {
            const d = this.devices.get(`${userId}.${deviceId}`);
            if (d === undefined) return [];
            const index = d.claimed++;
            const take = index < d.upload.oneTimePreKeys.length ? { preKeyIndex: index, kyberIndex: index } : {};
            if (d.substitute !== undefined) return [{ ...bundleFromUpload(userId, { ...d.substitute, deviceId }, take), device: { userId, deviceId } }];
            return [{ ...bundleFromUpload(userId, d.upload, take), identityKey: d.announcedKey }];
          }),
        };
      }
      case 'createWorkspace': {
        const event = (body as { event: MembershipEvent }).event;
        this.#append(event);
        return { workspaceId: event.workspaceId };
      }
      case 'appendMembership': {
        const workspaceId = params.workspaceId ?? '';
        if (!this.#isMemberDevice(workspaceId, caller)) throw new RestError('forbidden', 'not a member device', 403);
        this.#append((body as { event: MembershipEvent }).event);
        return { seq: this.states.get(workspaceId)?.seq };
      }
      case 'listWorkspaces':
        return {
          workspaces: [...this.states.values()]
            .filter((s) => this.#isMemberDevice(s.workspaceId, caller))
            .map((s) => ({
              workspaceId: s.workspaceId,
              kind: s.kind,
              label: s.label,
              membershipSeq: this.announceSeq?.(s.workspaceId, s.seq) ?? s.seq,
              lastActivityAt: 1,
            })),
        };
      case 'listMembership': {
        const workspaceId = params.workspaceId ?? '';
        if (!this.#isMemberDevice(workspaceId, caller)) throw new RestError('forbidden', 'not a member device', 403);
        const after = (input.query as { after?: number } | undefined)?.after;
        const events = this.serveChain?.(workspaceId, after) ?? this.chains.get(workspaceId) ?? [];
        return { events: events.filter((e) => after === undefined || e.seq > after) };
      }
      case 'createInvitation': {
        this.invitations += 1;
        const userId = userIdForCode(String(body?.codeId));
        this.users.set(userId, { orgId: 'clients', role: 'client', displayName: 'Asiakas' });
        return { userId, expiresAt: Date.now() + 60_000 };
      }
      case 'sendMailbox': {
        const items = (body as { items: { to: DeviceRef; message: MailboxItem['message'] }[] }).items;
        const ids = items.map((item) => {
          const id = `m${this.#nextId++}`;
          this.mailbox.push({ id, from: caller, to: item.to, message: item.message, createdAt: Date.now() });
          return id;
        });
        return { ids };
      }
      case 'fetchMailbox': {
        const limit = (input.query as { limit?: number } | undefined)?.limit ?? 100;
        return { items: this.mailbox.filter((m) => deviceKey(m.to) === deviceKey(caller)).slice(0, limit) };
      }
      case 'ackMailbox': {
        const ids = new Set((body as { ids: string[] }).ids);
        const before = this.mailbox.length;
        this.mailbox = this.mailbox.filter((m) => !(ids.has(m.id) && deviceKey(m.to) === deviceKey(caller)));
        return { deleted: before - this.mailbox.length };
      }
      default:
        throw new RestError('not_found', `${route} is not part of the fake`, 404);
    }
  }
}
