/**
 * What one durable local write costs an agent: a transaction on a SQCipher profile
 * (`synchronous = FULL`, so every commit waits for the disk), on the real disk and on
 * tmpfs. In-process bench agents keep their profiles on tmpfs: hundreds of agents in
 * one process would otherwise queue every fsync of every user behind each other, which
 * no real deployment (one agent per machine) does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProfile } from '@yhteispoyta/agent/profile/profile-db';
import { median } from './stats';

/** Where in-process bench agents keep their profiles: tmpfs when the machine has it. */
export function agentScratchRoot(): string {
  try {
    return mkdtempSync(join('/dev/shm', 'yp-bench-agents-'));
  } catch {
    return mkdtempSync(join(tmpdir(), 'yp-bench-agents-'));
  }
}

/** Median ms of one small committed transaction on a profile in `root`. */
export async function commitCostMs(root: string, commits: number): Promise<number> {
  const dir = mkdtempSync(join(root, 'yp-commit-'));
  try {
    const created = await createProfile(dir, 'commit', 'bench passphrase', { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(`profile: ${created.error}`);
    const { profile } = created;
    try {
      profile.db.exec('CREATE TABLE bench_commit (data BLOB)');
      const insert = profile.db.prepare('INSERT INTO bench_commit (data) VALUES (?)');
      const samples: number[] = [];
      for (let i = 0; i < commits; i++) {
        const t0 = performance.now();
        profile.transaction(() => insert.run([new Uint8Array(64)]));
        samples.push(performance.now() - t0);
      }
      return median(samples);
    } finally {
      profile.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
