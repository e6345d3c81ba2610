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
