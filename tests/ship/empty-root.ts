// An empty root to run a release zip in, as on a system with no glibc at all (Alpine, the
// default grafana/grafana image, is musl): only Debian's busybox-static as /bin/sh, an
// /etc/hosts naming localhost (as every container has), and the plugin folder unpacked from
// the zip. No /lib, /usr, /proc, /etc/nsswitch.conf or /etc/ssl.
// The executable is started the way Grafana ≥ 12.4 starts it: by absolute path, with no PATH.
// Entering the root needs no privilege: a new user namespace (root inside it) with its own
// mount namespace, where chroot is allowed. For an aarch64 executable on another machine,
// that namespace gets its own binfmt_misc instance (Linux ≥ 6.7) with qemu-aarch64-static
// registered with the F flag (the interpreter is opened at registration, so it need not be
// in the root): the kernel then runs the aarch64 launcher chain exactly as an arm64 host
// would, and nothing changes for the rest of the machine.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import AdmZip from 'adm-zip';

export const BUSYBOX = '/bin/busybox';
export const QEMU_AARCH64 = '/usr/bin/qemu-aarch64-static';
export const PLUGINS_DIR = '/var/lib/grafana/plugins';

// qemu's own binfmt entry for aarch64 ELF executables (magic and mask of the ELF header).
const AARCH64_MAGIC = '\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00';
const AARCH64_MASK =
  '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff';

/** Whether this machine can make a user + mount namespace (and a private binfmt_misc). */
export function namespacesUsable(withBinfmt: boolean): string | undefined {
  const script = withBinfmt
    ? 'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && test -e /proc/sys/fs/binfmt_misc/register'
    : 'true';
  const res = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '/bin/sh', '-c', script], {
    encoding: 'utf8',
  });
  if (res.status === 0) {
    return undefined;
  }
  return withBinfmt
    ? `cannot mount a private binfmt_misc in a user namespace (needs Linux ≥ 6.7): ${res.stderr.trim() || res.error?.message}`
    : `cannot create a user + mount namespace (unshare --user --map-root-user --mount): ${res.stderr.trim() || res.error?.message}`;
}

/** Builds the root in `dir` from the release zip; returns the plugin folder inside it. */
export function makeEmptyRoot(dir: string, zipPath: string, pluginId: string): string {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  copyFileSync(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  spawnSync('ln', ['-s', 'busybox', path.join(dir, 'bin', 'sh')]);
  // What Docker writes into every container (Alpine's own file says the same).
  writeFileSync(path.join(dir, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  const plugins = path.join(dir, PLUGINS_DIR);
  mkdirSync(plugins, { recursive: true });
  // The fourth argument keeps the permission bits stored in the zip.
  new AdmZip(zipPath).extractAllTo(plugins, true, true);
  const folder = path.join(plugins, pluginId);
  if (!existsSync(folder)) {
    throw new Error(`${zipPath} did not unpack into ${pluginId}/`);
  }
  return folder;
}

/**
 * A host-side script that GrafanaHost can launch: it enters the root and execs the plugin's
 * executable there with no PATH; every step execs, so the pid Grafana holds is the plugin's.
 */
export function rootLauncher(work: string, root: string, executableInRoot: string, aarch64: boolean): string {
  const steps = [
    ...(aarch64
      ? [
          'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc',
          `printf '%s' ':qemu-aarch64:M::${AARCH64_MAGIC}:${AARCH64_MASK}:${QEMU_AARCH64}:F' > /proc/sys/fs/binfmt_misc/register`,
        ]
      : []),
    `exec /usr/bin/env -u PATH /usr/sbin/chroot '${root}' '${executableInRoot}'`,
  ];
  const file = path.join(work, `enter-root-${aarch64 ? 'arm64' : 'amd64'}.sh`);
  writeFileSync(
    file,
    `#!/bin/sh\nexec /usr/bin/unshare --user --map-root-user --mount /bin/sh -ec "${steps.join(' && ').replace(/"/g, '\\"')}"\n`
  );
  chmodSync(file, 0o755);
  return file;
}

/**
 * A minimal DNS server on UDP port 53 of a loopback address, standing in for the resolver a
 * container gets in /etc/resolv.conf (Docker's 127.0.0.11): RFC 1035 messages, an A record
 * for each name in `answers`, an empty answer for other types of those names, NXDOMAIN else.
 * Binding port 53 needs root (CAP_NET_BIND_SERVICE); the caller skips without it.
 */
export async function startStubDns(
  address: string,
  answers: Record<string, string>
): Promise<{ queries: string[]; close: () => Promise<void> }> {
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, peer) => {
    const labels: string[] = [];
    let i = 12;
    while (i < msg.length && msg[i] !== 0) {
      labels.push(msg.toString('latin1', i + 1, i + 1 + msg[i]));
      i += msg[i] + 1;
    }
    const end = i + 5; // zero byte, QTYPE, QCLASS
    const name = labels.join('.').toLowerCase();
    const qtype = msg.readUInt16BE(i + 1);
    queries.push(`${name}/${qtype}`);
    const reply = Buffer.from(msg.subarray(0, end));
    reply.writeUInt16BE(1, 4); // one question
    reply.writeUInt32BE(0, 8); // no authority, no additional
    const ip = answers[name];
    reply[2] = 0x81; // response, recursion desired
    reply[3] = ip === undefined ? 0x83 : 0x80; // recursion available; NXDOMAIN or NOERROR
    if (ip === undefined || qtype !== 1) {
      reply.writeUInt16BE(0, 6);
      socket.send(reply, peer.port, peer.address);
      return;
    }
    reply.writeUInt16BE(1, 6);
    const record = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)]);
    socket.send(Buffer.concat([reply, record]), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => resolve());
  });
  return { queries, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
