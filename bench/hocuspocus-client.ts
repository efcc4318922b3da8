/**
 * Hocuspocus clients for the bench: the stock `HocuspocusProvider`, each on its own
 * socket (as separate devices would be), with `ws` as the WebSocket in Node.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import * as Y from 'yjs';

/** A HocuspocusProvider on its own socket to `url` for document `name` (ws for Node); `close` destroys both. */
export function hocuspocusProvider(url: string, name: string): { provider: HocuspocusProvider; close(): void } {
  const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket });
  const provider = new HocuspocusProvider({ websocketProvider: socket, name, document: new Y.Doc() });
  // A provider given its socket does not attach itself to it.
  provider.attach();
  return {
    provider,
    close: () => {
      provider.destroy();
      socket.destroy();
      provider.document.destroy();
    },
  };
}

/** Resolves once the provider has completed its first sync. */
export function hocuspocusSynced(p: HocuspocusProvider): Promise<void> {
  return p.isSynced ? Promise.resolve() : new Promise((resolve) => p.on('synced', () => resolve()));
}
