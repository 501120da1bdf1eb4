/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The API runs on 127.0.0.1:8080 (`skillcert serve`); in development Vite proxies to it so the
// SPA and the API share one origin, exactly as when `skillcert serve` serves dist/ itself.
const api = process.env.SKILLCERT_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/healthz': { target: api, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    // Government desktops often run older Chromium-based browsers (360/QQ/红芯 on Chromium 86–88,
    // old Edge 88). The targets below are the oldest Vite 8 (Oxc/Rolldown) still lowers syntax for
    // without polyfills; Element Plus and Vue 3 support these too. Chosen as the context asked.
    target: ['chrome87', 'edge88', 'firefox78', 'safari14'],
    cssTarget: ['chrome87', 'edge88', 'firefox78', 'safari14'],
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        // Keep the big libraries out of the app chunk and apart from each other, so a page that
        // draws no chart never downloads echarts and an app change does not bust the vendor cache.
        codeSplitting: {
          groups: [
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender|vue-echarts)[\\/]/, priority: 30 },
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|@vueuse|async-validator|dayjs|lodash-es|lodash-unified|memoize-one|normalize-wheel-es|@ctrl)[\\/]/, priority: 20 },
            { name: 'vue', test: /node_modules[\\/](vue|@vue|vue-router|pinia)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    restoreMocks: true,
  },
});
