import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The web UI, built into dist/ui and served by the service at /ui/ (src/common/http/web-ui.ts). */
export default defineConfig({
  root: here,
  base: '/ui/',
  plugins: [preact()],
  build: {
    outDir: `${here}../dist/ui`,
    emptyOutDir: true,
    assetsDir: 'assets',
    // the CSP forbids inline code: every asset is a file, none a data: URL script
    assetsInlineLimit: 0,
    // the first page must stay small: Cytoscape (topology) is loaded when a topology is shown
    chunkSizeWarningLimit: 600,
    reportCompressedSize: false,
  },
});
