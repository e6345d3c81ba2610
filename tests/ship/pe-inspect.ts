// Reads what makes a Windows Node single executable application, the way Windows and Node
// find it: the PE headers (machine, PE32+ magic, subsystem), the SEA fuse, and the
// NODE_SEA_BLOB resource Node looks up with FindResource(NULL, "NODE_SEA_BLOB", RT_RCDATA),
// walked through the resource directory (type → name → language → data entry).
import { readFileSync } from 'node:fs';

import { seaFuse, type SeaFuse } from './sea-inspect';

const RT_RCDATA = 10;

export interface PeInfo {
  machine: number;
  /** 0x10b PE32, 0x20b PE32+. */
  magic: number;
  subsystem: number;
  fuse: SeaFuse;
  seaBlob?: Buffer;
}

export function inspectPe(file: string): PeInfo {
  const b = readFileSync(file);
  if (b.toString('latin1', 0, 2) !== 'MZ') {
    throw new Error(`${file} has no MZ header`);
  }
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') {
    throw new Error(`${file} has no PE signature`);
  }
  const coff = pe + 4;
  const machine = b.readUInt16LE(coff);
  const sections = b.readUInt16LE(coff + 2);
  const optSize = b.readUInt16LE(coff + 16);
  const opt = coff + 20;
  const magic = b.readUInt16LE(opt);
  const subsystem = b.readUInt16LE(opt + 68);
  // Data directories follow the PE32+ optional header's 112 fixed bytes; #2 is resources.
  const resourceRva = b.readUInt32LE(opt + 112 + 2 * 8);
  const table = opt + optSize;
  const toOffset = (rva: number): number => {
    for (let i = 0; i < sections; i++) {
      const s = table + i * 40;
      const va = b.readUInt32LE(s + 12);
      const size = Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16));
      if (rva >= va && rva < va + size) {
        return b.readUInt32LE(s + 20) + (rva - va);
      }
    }
    throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
  };
  let seaBlob: Buffer | undefined;
  if (magic === 0x20b && resourceRva) {
    const base = toOffset(resourceRva);
    const entries = (dir: number) => {
      const count = b.readUInt16LE(base + dir + 12) + b.readUInt16LE(base + dir + 14);
      return Array.from({ length: count }, (_, i) => {
        const e = base + dir + 16 + i * 8;
        const name = b.readUInt32LE(e);
        const target = b.readUInt32LE(e + 4);
        const label =
          name & 0x80000000
            ? b.toString(
                'utf16le',
                base + (name & 0x7fffffff) + 2,
                base + (name & 0x7fffffff) + 2 + 2 * b.readUInt16LE(base + (name & 0x7fffffff))
              )
            : name;
        return { label, subdir: (target & 0x80000000) !== 0, offset: target & 0x7fffffff };
      });
    };
    const type = entries(0).find((e) => e.label === RT_RCDATA && e.subdir);
    const named = type && entries(type.offset).find((e) => e.label === 'NODE_SEA_BLOB' && e.subdir);
    const lang = named && entries(named.offset)[0];
    if (lang && !lang.subdir) {
      const data = base + lang.offset;
      const start = toOffset(b.readUInt32LE(data));
      seaBlob = Buffer.from(b.subarray(start, start + b.readUInt32LE(data + 4)));
    }
  }
  return { machine, magic, subsystem, fuse: seaFuse(b), seaBlob };
}
