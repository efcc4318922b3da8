/**
 * The storage contract: one vitest suite that every adapter must pass, so the sqlite and
 * mongo stores behave the same down to the error codes. Each case gets a fresh, empty
 * store from `makeStore` and hands it to `cleanup` afterwards.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { describeAuditContract } from './contract/audit';
import { describeAuthContract } from './contract/auth';
import { describeBlobContract } from './contract/blobs';
import { describeCertificateContract } from './contract/certificates';
import { describeDirectoryContract } from './contract/directory';
import { describeEnrolmentContract } from './contract/enrolments';
import { describeEnvelopeContract } from './contract/envelopes';
import type { ContractContext, StoreInspector } from './contract/context';
import { describeLogContract } from './contract/log';
import { describeWorkspaceContract } from './contract/workspaces';
import type { Store } from './port';

export type { StoreInspector } from './contract/context';

/**
 * Register the contract cases for one adapter. `inspector` reaches under the port (raw
 * database access), for what the port deliberately cannot do: tamper with the audit log,
 * count leftover blob chunks, empty the transparency log.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  cleanup: (store: Store) => Promise<void>,
  inspector: StoreInspector,
): void {
  describe(`store contract: ${name}`, () => {
    let current: Store | null = null;
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      if (current) await cleanup(current);
      current = null;
    });
    const ctx: ContractContext = {
      store: () => {
        if (!current) throw new Error('no store: the contract runs inside its own beforeEach');
        return current;
      },
      inspector,
    };
    describeDirectoryContract(ctx);
    describeAuthContract(ctx);
    describeCertificateContract(ctx);
    describeLogContract(ctx);
    describeEnrolmentContract(ctx);
    describeWorkspaceContract(ctx);
    describeEnvelopeContract(ctx);
    describeBlobContract(ctx);
    describeAuditContract(ctx);
  });
}
