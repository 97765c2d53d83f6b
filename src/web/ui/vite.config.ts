// Builds the dashboard into dist/web-ui, served by `strata server` under /ui/.
// Preact through esbuild's automatic JSX runtime: no plugin needed.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/ui/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/web-ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline modulepreload polyfill: the CSP allows only our own files.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
