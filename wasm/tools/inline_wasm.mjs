// Writes an ES module whose default export is the .wasm as base64, for the "iotlite/inline"
// entry (bundlers that do not emit `new URL('x.wasm', import.meta.url)` assets, e.g. esbuild).
// Usage: node inline_wasm.mjs <in.wasm> <out.js>
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const base64 = readFileSync(input).toString('base64');
writeFileSync(output, `// Generated from iotlite.wasm by wasm/tools/inline_wasm.mjs.\nexport default '${base64}';\n`);
