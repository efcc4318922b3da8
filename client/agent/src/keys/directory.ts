/**
 * The server's directory of organisations, users and devices, as the agent reads it.
 * What it says about a person (organisation, role) goes into membership events that the
 * server checks against the same directory; what it says about a device's identity key
 * is only a first sighting for the TOFU store (see trusted-identities.ts).
 */
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Role } from '@yhteispoyta/crypto/types';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';

/** A user as the directory lists it. */
export interface DirectoryUser {
  readonly userId: string;
  readonly displayName: string;
  readonly role: Role;
  readonly orgId: string;
}

/** A registered device of a user with its announced identity key. */
export interface DirectoryDevice {
  readonly deviceId: number;
  readonly identityKey: Bytes;
}

/** Cached reads of the server's directory. */
export class Directory {
  readonly #rest: RestClient;
  readonly #users = new Map<string, DirectoryUser>();

  /** A directory read through `rest`. */
  constructor(rest: RestClient) {
    this.#rest = rest;
  }

  /** All organisations. */
  async orgs(): Promise<{ orgId: string; name: string }[]> {
    return (await this.#rest.call('listOrgs', {})).orgs;
  }

  /** The users of an organisation (also refreshes the user cache). */
  async orgUsers(orgId: string): Promise<DirectoryUser[]> {
    const { users } = await this.#rest.call('listOrgUsers', { params: { orgId } });
    for (const user of users) this.#users.set(user.userId, user);
    return users;
  }

  /** A user seen in an earlier listing, without asking the server. */
  cachedUser(userId: string): DirectoryUser | undefined {
    return this.#users.get(userId);
  }

  /**
   * A user by id. The directory is listed per organisation, so an unknown id makes the
   * directory be read again once; undefined if no organisation lists the user.
   */
  async findUser(userId: string): Promise<DirectoryUser | undefined> {
    const cached = this.#users.get(userId);
    if (cached !== undefined) return cached;
    for (const org of await this.orgs()) {
      const found = (await this.orgUsers(org.orgId)).find((u) => u.userId === userId);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The current devices of a user and their announced identity keys ([] for an unknown user). */
  async devices(userId: string): Promise<DirectoryDevice[]> {
    let listed;
    try {
      listed = await this.#rest.call('listUserDevices', { params: { userId } });
    } catch (error) {
      if (error instanceof RestError && error.code === 'not_found') return [];
      throw error;
    }
    return listed.devices.flatMap((d) => {
      const identityKey = fromBase64(d.identityKey);
      // The response schema checked the encoding; a failure here cannot happen.
      return identityKey === undefined ? [] : [{ deviceId: d.deviceId, identityKey }];
    });
  }
}
