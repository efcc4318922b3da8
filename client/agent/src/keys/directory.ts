/**
 * The server's directory of organisations and professionals, as the agent reads it: a
 * list of candidates to choose from, nothing more. Who a chosen person is (organisation,
 * role, devices) is read from his certificates (identity/certificate-book.ts), and an
 * organisation's name is shown only from a certificate the deployment root signed.
 */
import type { Role } from '@yhteispoyta/crypto/types';
import type { RestClient } from '../contracts';

/** A user as the directory lists him (unverified: the server says so). */
export interface DirectoryUser {
  readonly userId: string;
  readonly displayName: string;
  readonly role: Role;
  readonly orgId: string;
}

/** Reads of the server's directory. */
export class Directory {
  readonly #rest: RestClient;

  /** A directory read through `rest`. */
  constructor(rest: RestClient) {
    this.#rest = rest;
  }

  /** All organisations with the certificates the server holds for them (to be verified by the caller). */
  async orgsWithCertificates(): Promise<{ orgId: string; name: string; certificate: unknown }[]> {
    return (await this.#rest.call('listOrgs', {})).orgs;
  }

  /** The professionals of an organisation whose name holds `query` (at most 20: the directory is searched, never listed whole). */
  async search(orgId: string, query: string): Promise<DirectoryUser[]> {
    return (await this.#rest.call('listOrgUsers', { params: { orgId }, query: { q: query } })).users;
  }
}
