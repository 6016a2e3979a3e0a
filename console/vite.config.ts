import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  // No react -> preact/compat aliases: GraphiQL's chunk brings React itself; the console's own
  // code imports preact.
  plugins: [preact({ reactAliasesEnabled: false })],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Vite's module preload polyfill is an inline script; the CSP allows none.
    modulePreload: { polyfill: false },
    sourcemap: false,
    manifest: true,
  },
});
