import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API and the socket to a running gateway (`npm start`, port 3000;
// TILEMUD_GATEWAY=http://localhost:3300 for another one).
const gateway = process.env.TILEMUD_GATEWAY ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The wire contract, from source: types and zod schemas shared with the server, never copied.
    alias: { '@tilemud/contracts': fileURLToPath(new URL('../libs/contracts/src/index.ts', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: gateway, changeOrigin: true },
      '/ws': { target: gateway.replace(/^http/, 'ws'), ws: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
