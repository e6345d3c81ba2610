// Reads a 64-bit Mach-O executable the way macOS's loader and kernel do: the header, the
// segments (Node finds its SEA blob in segment NODE_SEA, section __NODE_SEA_BLOB), and the
// code signature (LC_CODE_SIGNATURE → SuperBlob → CodeDirectory), whose page hashes are
// checked here independently of the code that wrote them: SHA-256 of every 4 KiB page of
// the file up to codeLimit, as the kernel checks each page it maps on Apple silicon.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { seaFuse, type SeaFuse } from './sea-inspect';

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;

export interface Segment {
  name: string;
  fileoff: number;
  filesize: number;
  vmsize: number;
  sections: Array<{ name: string; offset: number; size: number }>;
}

export interface CodeDirectory {
  version: number;
  flags: number;
  identifier: string;
  hashType: number;
  pageSize: number;
  codeLimit: number;
  nCodeSlots: number;
  execSegBase: number;
  execSegLimit: number;
  execSegFlags: number;
  /** Indexes of pages whose SHA-256 differs from the recorded hash. */
  badPages: number[];
}

export interface MachOInfo {
  magic: number;
  cputype: number;
  filetype: number;
  segments: Segment[];
  signature?: { dataoff: number; datasize: number; blobs: number[]; codeDirectory?: CodeDirectory };
  fuse: SeaFuse;
  fileSize: number;
}

const cstr = (b: Buffer, at: number, len: number) => b.toString('latin1', at, at + len).replace(/\0.*$/s, '');

export function inspectMachO(file: string): MachOInfo {
  const b = readFileSync(file);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xfeedfacf) {
    throw new Error(`${file} is not a 64-bit little-endian Mach-O (magic 0x${magic.toString(16)})`);
  }
  const ncmds = b.readUInt32LE(16);
  const segments: Segment[] = [];
  let signature: MachOInfo['signature'];
  for (let i = 0, at = 32; i < ncmds; i++) {
    const cmd = b.readUInt32LE(at);
    const size = b.readUInt32LE(at + 4);
    if (cmd === LC_SEGMENT_64) {
      const nsects = b.readUInt32LE(at + 64);
      segments.push({
        name: cstr(b, at + 8, 16),
        vmsize: Number(b.readBigUInt64LE(at + 32)),
        fileoff: Number(b.readBigUInt64LE(at + 40)),
        filesize: Number(b.readBigUInt64LE(at + 48)),
        sections: Array.from({ length: nsects }, (_, s) => {
          const sec = at + 72 + s * 80;
          return {
            name: cstr(b, sec, 16),
            size: Number(b.readBigUInt64LE(sec + 40)),
            offset: b.readUInt32LE(sec + 48),
          };
        }),
      });
    } else if (cmd === LC_CODE_SIGNATURE) {
      const dataoff = b.readUInt32LE(at + 8);
      const datasize = b.readUInt32LE(at + 12);
      signature = { dataoff, datasize, blobs: [] };
      // The SuperBlob and everything in it is big-endian.
      if (b.readUInt32BE(dataoff) === 0xfade0cc0) {
        const count = b.readUInt32BE(dataoff + 8);
        for (let k = 0; k < count; k++) {
          const off = dataoff + b.readUInt32BE(dataoff + 12 + k * 8 + 4);
          const blobMagic = b.readUInt32BE(off);
          signature.blobs.push(blobMagic);
          if (blobMagic === 0xfade0c02) {
            signature.codeDirectory = readCodeDirectory(b, off);
          }
        }
      }
    }
    at += size;
  }
  return {
    magic,
    cputype: b.readUInt32LE(4),
    filetype: b.readUInt32LE(12),
    segments,
    signature,
    fuse: seaFuse(b),
    fileSize: b.length,
  };
}

function readCodeDirectory(b: Buffer, cd: number): CodeDirectory {
  const version = b.readUInt32BE(cd + 8);
  const hashOffset = b.readUInt32BE(cd + 16);
  const nCodeSlots = b.readUInt32BE(cd + 28);
  const codeLimit = b.readUInt32BE(cd + 32);
  const hashSize = b[cd + 36];
  const hashType = b[cd + 37];
  const pageSize = 1 << b[cd + 39];
  const badPages: number[] = [];
  for (let p = 0; p < nCodeSlots; p++) {
    const page = b.subarray(p * pageSize, Math.min((p + 1) * pageSize, codeLimit));
    const want = b.subarray(cd + hashOffset + p * hashSize, cd + hashOffset + (p + 1) * hashSize);
    if (!createHash('sha256').update(page).digest().subarray(0, hashSize).equals(want)) {
      badPages.push(p);
    }
  }
  return {
    version,
    flags: b.readUInt32BE(cd + 12),
    identifier: cstr(b, cd + b.readUInt32BE(cd + 20), 256),
    hashType,
    pageSize,
    codeLimit,
    nCodeSlots,
    execSegBase: version >= 0x20400 ? Number(b.readBigUInt64BE(cd + 64)) : 0,
    execSegLimit: version >= 0x20400 ? Number(b.readBigUInt64BE(cd + 72)) : 0,
    execSegFlags: version >= 0x20400 ? Number(b.readBigUInt64BE(cd + 80)) : 0,
    badPages,
  };
}
