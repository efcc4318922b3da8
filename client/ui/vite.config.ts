/**
 * Build of the UI into client/ui/dist, which the agent serves on 127.0.0.1. Everything
 * ends up in files of the page's own origin: the agent's Content-Security-Policy allows
 * scripts and styles from 'self' only, so nothing may be inlined or loaded from elsewhere.
 *
 * Yjs and the ProseMirror packages are deduplicated: a second copy of Yjs breaks its
 * constructor checks (TipTap's binding and y-websocket must share one), and a second
 * ProseMirror model breaks the editor's schema checks. The local-API contract
 * (client/local-api) is bundled from its TypeScript sources like the UI's own.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  resolve: {
    // zod too: zod-config.ts switches off its eval-compiled parsers on the one copy the
    // local-API contract's schemas must also use, or they would trip the CSP.
    dedupe: ['yjs', 'y-protocols', 'lib0', 'react', 'react-dom', 'prosemirror-model', 'prosemirror-state', 'prosemirror-view', 'prosemirror-transform', 'zod'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Stay within what the CSP allows: no inlined assets as data: scripts.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
});
