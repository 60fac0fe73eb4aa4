// Builds a minimal busybox root filesystem from the host's busybox-static binary.
import fs from "node:fs";
import path from "node:path";
import { must, which } from "./util.mjs";

/** Whether a 64-bit little-endian ELF file asks for a dynamic loader (has a PT_INTERP program header). */
function hasInterpreter(file) {
  const elf = fs.readFileSync(file);
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3) return true;
  }
  return false;
}

const BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox"];

/** Creates (or re-creates) the rootfs at dir; returns dir. Throws when no static busybox is found. */
export function buildRootfs(dir) {
  const busybox = BUSYBOX_CANDIDATES.find((p) => fs.existsSync(p)) ?? which("busybox");
  if (!busybox) throw new Error("no busybox binary (package busybox-static)");
  if (hasInterpreter(busybox)) throw new Error(`${busybox} is dynamically linked: install busybox-static`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root", "run", "var/run"]) {
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  }
  fs.chmodSync(path.join(dir, "tmp"), 0o1777);
  fs.copyFileSync(busybox, path.join(dir, "bin/busybox"));
  fs.chmodSync(path.join(dir, "bin/busybox"), 0o755);
  const applets = must(busybox, ["--list"]).stdout.split("\n").filter((a) => /^[\w.\[-]+$/.test(a) && a !== "busybox");
  for (const applet of applets) fs.symlinkSync("busybox", path.join(dir, "bin", applet));
  fs.writeFileSync(path.join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  fs.writeFileSync(path.join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  fs.writeFileSync(path.join(dir, "etc/hosts"), "127.0.0.1 localhost\n");
  fs.writeFileSync(path.join(dir, "etc/resolv.conf"), "");
  return dir;
}
