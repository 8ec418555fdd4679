import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Nothing for wsbeat here: its ES module finds wsbeat.wasm with
// new URL('./wsbeat.wasm', import.meta.url), which Vite copies into
// dist/assets with a content hash. The proxy is for `npm run dev` against
// an echo server on 127.0.0.1:8080 (go run ./server in the repository).
export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: { '/echo': { target: 'ws://127.0.0.1:8080', ws: true } }
  }
});
