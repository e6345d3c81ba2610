// The darwin_amd64 executable: the official node-darwin-x64 binary of SEA_NODE_VERSION (scripts/sea-node.mjs) with
// the SEA blob in segment NODE_SEA (postject), then an ad hoc signature like the one Apple's
// linker writes (build-backend.mjs adHocSignMachO). No Mac here, so it is checked
// structurally: the Mach-O header, the NODE_SEA segment holding the blob Node looks for, the
// flipped fuse, and the signature as the kernel checks it — every 4 KiB page up to codeLimit
// hashed with SHA-256 and compared with the CodeDirectory, by a reader (macho-inspect.ts)
// that also verifies the official binary's own Apple signature, so the reader itself is
// checked against a signature made by Apple's tools.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { SEA_NODE_VERSION } from '../../scripts/sea-node.mjs';
import { REPO_ROOT } from '../harness/grafana-host';
import { inspectMachO } from './macho-inspect';
import { SEA_FLAGS, seaBlobFlags } from './sea-inspect';

const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  executable: string;
};
const EXE = path.join(REPO_ROOT, 'dist', `${pluginJson.executable}_darwin_amd64`);
const OFFICIAL = path.join(
  process.env.GPX_NODE_CACHE_DIR ?? path.join(REPO_ROOT, 'node_modules', '.cache', 'node-binaries'),
  `node-darwin-x64-${SEA_NODE_VERSION}`,
  'node'
);
const CPU_TYPE_X86_64 = 0x01000007;
const MH_EXECUTE = 2;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;

describe('darwin_amd64 executable', () => {
  before(() => {
    const res = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts', 'build-backend.mjs'), '--arch', 'darwin_amd64', '--if-stale'],
      { encoding: 'utf8' }
    );
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  });

  test('the signature reader verifies the official node binary’s Apple signature', () => {
    assert.ok(existsSync(OFFICIAL), `${OFFICIAL} (downloaded by the build)`);
    const cd = inspectMachO(OFFICIAL).signature?.codeDirectory;
    assert.ok(cd, 'the official binary is signed');
    assert.ok(cd.nCodeSlots > 1000);
    assert.deepEqual(cd.badPages, []);
  });

  test('is an x86-64 Mach-O executable with the SEA blob in NODE_SEA/__NODE_SEA_BLOB and the fuse flipped', () => {
    const m = inspectMachO(EXE);
    assert.equal(m.cputype, CPU_TYPE_X86_64);
    assert.equal(m.filetype, MH_EXECUTE);
    assert.equal(m.fuse, 'flipped');
    const seg = m.segments.find((s) => s.name === 'NODE_SEA');
    const sec = seg?.sections.find((s) => s.name === '__NODE_SEA_BLOB');
    assert.ok(sec, 'section __NODE_SEA_BLOB in segment NODE_SEA');
    const blob = readFileSync(EXE).subarray(sec.offset, sec.offset + sec.size);
    const flags = seaBlobFlags(blob);
    assert.equal(flags & SEA_FLAGS.useCodeCache, 0, 'no code cache: it would be this machine’s V8 state');
    assert.ok(blob.includes('PLUGIN_MIN_PORT'), 'the backend bundle is in the blob');
  });

  test('carries a valid ad hoc signature: every page hash matches, covering all code', () => {
    const m = inspectMachO(EXE);
    const sig = m.signature;
    assert.ok(sig, 'an LC_CODE_SIGNATURE load command');
    assert.deepEqual(sig.blobs, [CSMAGIC_CODEDIRECTORY]);
    const cd = sig.codeDirectory!;
    assert.ok(cd.flags & CS_ADHOC, 'ad hoc');
    assert.equal(cd.hashType, 2, 'SHA-256');
    assert.equal(cd.pageSize, 4096);
    assert.equal(cd.codeLimit, sig.dataoff, 'hashes everything before the signature');
    assert.equal(cd.nCodeSlots, Math.ceil(cd.codeLimit / 4096));
    assert.deepEqual(cd.badPages, []);
    const linkedit = m.segments.find((s) => s.name === '__LINKEDIT')!;
    assert.equal(linkedit.fileoff + linkedit.filesize, m.fileSize, '__LINKEDIT ends the file');
    assert.ok(sig.dataoff + sig.datasize <= m.fileSize && sig.dataoff >= linkedit.fileoff, 'signature in __LINKEDIT');
    const textSeg = m.segments.find((s) => s.name === '__TEXT')!;
    assert.deepEqual([cd.execSegBase, cd.execSegLimit], [textSeg.fileoff, textSeg.filesize]);
    assert.equal(cd.identifier, pluginJson.executable);
  });
});
