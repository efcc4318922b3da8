/**
 * Server memory per connected, idle device: the server process alone (a fresh child),
 * RSS after a GC settle before and after N devices connect and join their workspaces.
 * Yhteispöytä: authenticated socket.io connections of light devices, five per
 * workspace, each joined (doc:plan and chat). Baseline: stock WebsocketProviders, five
 * per room, each synced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import type { WebsocketProvider } from 'y-websocket';
import type { MemorySample } from './child';
import { connectLight, createLightWorkspace, enrolLightDevices, joinLight, mapLimit } from './light-device';
import { benchOrganisation } from './organisation';
import { startMeasured } from './processes';
import { provider, synced } from './propagation';
import { BENCH_ADMIN_TOKEN, benchServerEnv } from './throughput';

/** One system's idle-connection memory. */
export interface MemoryRow {
  readonly system: 'yhteispoyta' | 'baseline';
  readonly devices: number;
  readonly before: MemorySample;
  readonly after: MemorySample;
  /** (RSS after − RSS before) / devices, bytes */
  readonly rssPerDevice: number;
  /** (heap used after − before) / devices, bytes */
  readonly heapPerDevice: number;
}

function row(system: MemoryRow['system'], devices: number, before: MemorySample, after: MemorySample): MemoryRow {
  return {
    system,
    devices,
    before,
    after,
    rssPerDevice: (after.rss - before.rss) / devices,
    heapPerDevice: (after.heapUsed - before.heapUsed) / devices,
  };
}

/** Yhteispöytä: `devices` idle authenticated connections, `perWorkspace` to a workspace. */
export async function ypMemory(devices: number, perWorkspace: number): Promise<MemoryRow> {
  const dir = mkdtempSync(join(tmpdir(), 'yp-bench-mem-'));
  let server = await startMeasured('server', { env: benchServerEnv(dir) });
  const sockets: Socket[] = [];
  try {
    const org = await benchOrganisation(server.url, BENCH_ADMIN_TOKEN);
    const enrolled = await enrolLightDevices(server.url, org, devices);
    const groups = Array.from({ length: Math.ceil(devices / perWorkspace) }, (_, g) => enrolled.slice(g * perWorkspace, (g + 1) * perWorkspace));
    const workspaceIds = await mapLimit(groups, 4, ([owner, ...members]) => {
      if (owner === undefined) throw new Error('empty group');
      return createLightWorkspace(server.url, owner, members);
    });
    // A fresh process on the same store, like the baseline's: the enrolments above grew
    // the heap, and memory a process freed but kept would hide what the connections cost.
    await server.close();
    server = await startMeasured('server', { env: benchServerEnv(dir) });
    const before = await server.memory();
    await mapLimit(enrolled, 16, async (device, i) => {
      const socket = await connectLight(server.url, device);
      sockets.push(socket);
      await joinLight(socket, workspaceIds[Math.floor(i / perWorkspace)] ?? '', ['doc:plan', 'chat']);
    });
    const after = await server.memory();
    return row('yhteispoyta', devices, before, after);
  } finally {
    for (const socket of sockets) socket.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Baseline: `devices` idle synced WebsocketProviders, `perRoom` to a room. */
export async function baselineMemory(devices: number, perRoom: number): Promise<MemoryRow> {
  const relay = await startMeasured('baseline');
  const providers: WebsocketProvider[] = [];
  try {
    const before = await relay.memory();
    for (let i = 0; i < devices; i++) providers.push(provider(relay.url, `idle-${Math.floor(i / perRoom)}`));
    await Promise.all(providers.map(synced));
    const after = await relay.memory();
    return row('baseline', devices, before, after);
  } finally {
    for (const p of providers) {
      p.destroy();
      p.doc.destroy();
    }
    await relay.close();
  }
}
