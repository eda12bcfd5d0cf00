// Server CPU from /proc for the benchmarks (bench/imap/rounds.mjs, bench/pop3/load.mjs): a
// server's whole process tree (Dovecot forks per connection in its default mode), and its CPU
// as utime+stime plus cutime+cstime, which is where the CPU of exited children goes.
import fs from "node:fs";

/** The process and every descendant. */
export function procTree(root) {
  const children = new Map();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** CPU seconds of the process trees of `roots`: live processes plus what exited children left in cutime/cstime. */
export function cpuSeconds(roots, tick = Number(process.env.CLK_TCK ?? 100)) {
  let ticks = 0;
  for (const pid of roots.flatMap(procTree)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited between listing and reading: its CPU moved to its parent's cutime
    }
  }
  return ticks / tick;
}
