import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Vite's module preload polyfill is an inline script; the CSP allows none.
    modulePreload: { polyfill: false },
    sourcemap: false,
    manifest: true,
  },
});
