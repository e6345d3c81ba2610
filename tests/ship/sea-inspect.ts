// Reads what a Node single executable application carries, the way Node itself finds it
// at startup: the ELF header (class, byte order, machine), the SEA fuse postject flips,
// and the NODE_SEA_BLOB note (walked through the PT_NOTE program headers).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** Fixed by Node: the fuse postject flips from :0 to :1 in a SEA. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** 'flipped' (:1), 'unflipped' (:0) or 'missing'. */
export type SeaFuse = 'flipped' | 'unflipped' | 'missing';
/** Node's SEA blob header: magic, then a flags word. */
export const SEA_BLOB_MAGIC = 0x143da20;
export const SEA_FLAGS = { disableExperimentalSEAWarning: 1 << 0, useSnapshot: 1 << 1, useCodeCache: 1 << 2 } as const;
/** ELF e_machine values Grafana's linux arches map to. */
export const ELF_MACHINE = { amd64: 62, arm64: 183 } as const;

const PT_NOTE = 4;

export interface SeaInfo {
  elfClass64: boolean;
  littleEndian: boolean;
  machine: number;
  fuse: SeaFuse;
  /** The NODE_SEA_BLOB note's descriptor, or undefined when there is none. */
  blob?: Buffer;
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) {
      throw new Error(`unexpected end of file at ${offset + done}`);
    }
    done += n;
  }
  return buf;
}

function findNote(fd: number, header: Buffer, name: string): Buffer | undefined {
  const phoff = Number(header.readBigUInt64LE(0x20));
  const phentsize = header.readUInt16LE(0x36);
  const phnum = header.readUInt16LE(0x38);
  const phdrs = readAt(fd, phoff, phentsize * phnum);
  for (let i = 0; i < phnum; i++) {
    const ph = phdrs.subarray(i * phentsize, (i + 1) * phentsize);
    if (ph.readUInt32LE(0) !== PT_NOTE) {
      continue;
    }
    const segment = readAt(fd, Number(ph.readBigUInt64LE(8)), Number(ph.readBigUInt64LE(32)));
    const align4 = (n: number) => (n + 3) & ~3;
    for (let pos = 0; pos + 12 <= segment.length;) {
      const namesz = segment.readUInt32LE(pos);
      const descsz = segment.readUInt32LE(pos + 4);
      const noteName = segment
        .subarray(pos + 12, pos + 12 + namesz)
        .toString('latin1')
        .replace(/\0+$/, '');
      const desc = pos + 12 + align4(namesz);
      if (noteName === name) {
        return Buffer.from(segment.subarray(desc, desc + descsz));
      }
      pos = desc + align4(descsz);
    }
  }
  return undefined;
}

/** Inspects a 64-bit little-endian ELF executable for what makes it a Node SEA. */
export function inspectSea(file: string): SeaInfo {
  const fd = openSync(file, 'r');
  try {
    const header = readAt(fd, 0, 64);
    if (header.readUInt32BE(0) !== 0x7f454c46) {
      throw new Error(`${file} is not an ELF file`);
    }
    const elfClass64 = header[4] === 2;
    const littleEndian = header[5] === 1;
    const machine = header.readUInt16LE(18);
    const blob = elfClass64 && littleEndian ? findNote(fd, header, 'NODE_SEA_BLOB') : undefined;
    return { elfClass64, littleEndian, machine, fuse: seaFuse(readFileSync(file)), blob };
  } finally {
    closeSync(fd);
  }
}

/** The fuse's state in an executable's bytes, whatever its format (ELF, PE, Mach-O). */
export function seaFuse(bytes: Buffer): SeaFuse {
  const at = bytes.indexOf(SEA_FUSE);
  const mark = at < 0 ? '' : bytes.toString('latin1', at + SEA_FUSE.length, at + SEA_FUSE.length + 2);
  return mark === ':1' ? 'flipped' : mark === ':0' ? 'unflipped' : 'missing';
}

/** The flags word of a SEA blob (throws when the magic is wrong). */
export function seaBlobFlags(blob: Buffer): number {
  if (blob.readUInt32LE(0) !== SEA_BLOB_MAGIC) {
    throw new Error(`SEA blob magic is 0x${blob.readUInt32LE(0).toString(16)}, not 0x${SEA_BLOB_MAGIC.toString(16)}`);
  }
  return blob.readUInt32LE(4);
}
