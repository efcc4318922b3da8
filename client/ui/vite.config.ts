/**
 * Build of the UI into client/ui/dist, which the agent serves on 127.0.0.1. Everything
 * ends up in files of the page's own origin: the agent's Content-Security-Policy allows
 * scripts and styles from 'self' only, so nothing may be inlined or loaded from elsewhere.
 *
 * Yjs and the ProseMirror packages are deduplicated: a second copy of Yjs breaks its
 * constructor checks (TipTap's binding and y-websocket must share one), and a second
 * ProseMirror model breaks the editor's schema checks.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  resolve: {
    dedupe: ['yjs', 'y-protocols', 'lib0', 'react', 'react-dom', 'prosemirror-model', 'prosemirror-state', 'prosemirror-view', 'prosemirror-transform'],
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
