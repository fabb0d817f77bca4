// Builds the app into dist/ for `custos serve`: every file flat in dist/assets/ (the server
// serves /assets/{file}, one segment), nothing fetched from elsewhere at run time. The
// DICOM decoders' WebAssembly files are copied next to the scripts under their own names
// (the image loader is told to look for them in /assets/).
import { defineConfig, type Plugin } from 'vite';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';

const require = createRequire(import.meta.url);
const codecWasm = [
  '@cornerstonejs/codec-charls/decodewasm',
  '@cornerstonejs/codec-openjpeg/decodewasm',
  '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
  '@cornerstonejs/codec-openjph/wasm',
  '@cornerstonejs/codec-libjxl/decodewasm',
];

function copyCodecs(): Plugin {
  let outDir = 'dist';
  return {
    name: 'custos-copy-codecs',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    writeBundle() {
      const target = join(outDir, 'assets');
      mkdirSync(target, { recursive: true });
      for (const id of codecWasm) {
        const file = require.resolve(id);
        copyFileSync(file, join(target, basename(file)));
      }
    },
  };
}

const flat = {
  entryFileNames: 'assets/[name]-[hash].js',
  chunkFileNames: 'assets/[name]-[hash].js',
  assetFileNames: 'assets/[name]-[hash][extname]',
};

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  plugins: [copyCodecs()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 10000,
    rollupOptions: {
      output: flat,
      onwarn(warning, warn) {
        // React Router's "use client" directives mean nothing outside server components.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es', rollupOptions: { output: flat } },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
  test: { include: ['tests/unit/**/*.test.ts'], environment: 'node' },
});
