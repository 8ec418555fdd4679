// Nothing for wsbeat here: webpack 5 turns wsbeat's
// new URL('./wsbeat.wasm', import.meta.url) into an asset of its own
// (dist/[hash].wasm) and its dynamic import of wasm_exec.js into a chunk.
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');

module.exports = {
  entry: './src/index.js',
  output: {
    path: path.resolve(__dirname, 'dist'),
    filename: '[name].[contenthash].js',
    clean: true,
  },
  plugins: [new HtmlWebpackPlugin({ title: 'wsbeat + webpack' })],
  // The engine is a 2.7 MB wasm (about 600 KB brotli over the wire), more
  // than webpack's 244 KB hint for scripts; it loads in parallel with the
  // app and is cached by its content hash.
  performance: { assetFilter: (file) => !file.endsWith('.wasm') },
};
