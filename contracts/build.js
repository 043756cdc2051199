// Compiles the contracts with the pinned solc (JS build) through its
// standard-JSON API and writes ABI + bytecode per contract into build/.
// Output is byte-for-byte reproducible: same sources, same compiler, same
// settings, sorted keys.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const root = __dirname;
const outDir = path.join(root, 'build');

// Every contract to emit: source path (relative to src/) -> contract names.
const units = {
  'NCNToken.sol': ['NCNToken'],
  'ValidatorRegistry.sol': ['ValidatorRegistry'],
  'InferencePayment.sol': ['InferencePayment'],
  'test/ReentrantToken.sol': ['ReentrantToken'],
};

const settings = {
  optimizer: { enabled: true, runs: 10000 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const sources = {};
for (const file of Object.keys(units)) {
  sources[file] = { content: fs.readFileSync(path.join(root, 'src', file), 'utf8') };
}

function findImports(importPath) {
  const candidates = [path.join(root, 'node_modules', importPath), path.join(root, 'src', importPath)];
  for (const p of candidates) {
    if (fs.existsSync(p)) return { contents: fs.readFileSync(p, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

const input = { language: 'Solidity', sources, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

let failed = false;
// InferencePayment uses transient storage for per-batch payout sums and
// clears it before returning, which is what solc's EIP-1153 warning asks.
const expected = (e) => e.severity === 'warning' && e.message.startsWith('Transient storage as defined by EIP-1153');
for (const e of output.errors || []) {
  if (e.severity === 'error') failed = true;
  if (!expected(e)) process.stderr.write(e.formattedMessage + '\n');
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const summary = { compiler: solc.version(), settings, contracts: {} };
for (const [file, names] of Object.entries(units)) {
  for (const name of names) {
    const c = output.contracts[file][name];
    fs.writeFileSync(path.join(outDir, `${name}.abi`), JSON.stringify(c.abi, null, 1) + '\n');
    fs.writeFileSync(path.join(outDir, `${name}.bin`), c.evm.bytecode.object + '\n');
    summary.contracts[name] = {
      source: file,
      initcodeBytes: c.evm.bytecode.object.length / 2,
      runtimeBytes: c.evm.deployedBytecode.object.length / 2,
    };
  }
}
fs.writeFileSync(path.join(outDir, 'build-info.json'), JSON.stringify(summary, null, 1) + '\n');
process.stdout.write(`compiled ${Object.keys(summary.contracts).length} contracts with solc ${solc.version()}\n`);
