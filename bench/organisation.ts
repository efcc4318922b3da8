/**
 * The bench's deployment root and organisation, made and run with the real admin tooling
 * (`@yhteispoyta/admin`, what `npm run admin` and `npm start` use): a fresh root per bench
 * server, an organisation certified by it and registered through the admin API, enrolment
 * codes whose secrets stay here (only code ids reach the server), and certification of
 * the devices that redeemed them once their proofs of the code's secret check out. So
 * every bench device is a certified device, as in production: agents trust it, the
 * server lets it into membership chains.
 */
import { AdminClient, createOrganisation, createRoot, MemoryOrgStateStore, OrgAuthority } from '@yhteispoyta/admin/index';
import type { CertifyReport, IssuedCode } from '@yhteispoyta/admin/index';
import { SerialQueue } from '@yhteispoyta/common/queue';

/** One organisation's authority over a bench server. */
export interface BenchOrg {
  readonly orgId: string;
  readonly authority: OrgAuthority;
  /** runs certification rounds one at a time (agents enrol concurrently) */
  serially<T>(task: () => Promise<T>): Promise<T>;
}

/** A fresh deployment root and an organisation `name` registered with the server at `serverUrl`. */
export async function benchOrganisation(serverUrl: string, adminToken: string, name = 'Bench'): Promise<BenchOrg> {
  const admin = new AdminClient({ baseUrl: serverUrl, token: adminToken, fetch: fetchOnFreshSocketAgain });
  const state = await createOrganisation({ root: createRoot(), name, admin });
  const authority = await OrgAuthority.open({ store: new MemoryOrgStateStore(state), admin });
  const rounds = new SerialQueue();
  return {
    orgId: state.orgId,
    authority,
    serially: (task) => rounds.run(task),
  };
}

/**
 * fetch, sent once more when the kept-alive connection it went out on was already closed
 * by the server (undici's UND_ERR_SOCKET). The bench process runs hundreds of agents, so
 * its timers run late and it may reuse a connection past the server's keep-alive timeout;
 * a full run failed on exactly that. Sending again can at worst issue one unused code.
 */
async function fetchOnFreshSocketAgain(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
    if (code !== 'UND_ERR_SOCKET') throw error;
    return fetch(input, init);
  }
}

/** An enrolment code for a social worker of the bench organisation. */
export function benchCode(org: BenchOrg, displayName: string): Promise<IssuedCode> {
  return org.authority.issueCode({ role: 'social_worker', displayName });
}

/**
 * Certify pending enrolments until every code in `codeIds` (redeemed already) is
 * certified: a listing holds at most 500 enrolments, so large batches take several
 * rounds, and a round certifies every pending enrolment of the organisation, so another
 * caller's round may have done the work already. Throws if the admin tool refuses one of
 * them (its proof does not match its keys), the server refuses a certificate, or a round
 * makes no progress.
 */
export function certifyAll(org: BenchOrg, codeIds: readonly string[]): Promise<void> {
  return org.serially(async () => {
    const uncertified = async (): Promise<string[]> => {
      const { codes } = await org.authority.state();
      return codeIds.filter((id) => codes[id]?.certifiedAt === undefined);
    };
    let waiting = await uncertified();
    while (waiting.length > 0) {
      const report: CertifyReport = await org.authority.certifyPending();
      const refused = report.refused.filter((r) => waiting.includes(r.codeId));
      if (refused.length > 0) throw new Error(`the admin tool refused ${refused.length} enrolment(s): ${refused.map((r) => `${r.codeId} ${r.reason}`).join(', ')}`);
      const failed = report.failed.filter((r) => waiting.includes(r.codeId));
      if (failed.length > 0) throw new Error(`the server refused certificates: ${failed.map((r) => r.detail).join(', ')}`);
      const left = await uncertified();
      if (left.length === waiting.length) throw new Error(`${left.length} enrolment(s) not pending at the server: ${left.slice(0, 3).join(', ')}`);
      waiting = left;
    }
  });
}
