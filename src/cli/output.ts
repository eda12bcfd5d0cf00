// How the `moat` command prints: aligned plain-text tables, or one JSON object per line.
export interface Output {
  readonly json: boolean;
  line(text: string): void;
  /** Rows as a table (text) or as JSON lines; `columns` maps a header to a row field. */
  rows<T extends object>(items: T[], columns: Record<string, (item: T) => string>, toJson: (item: T) => unknown): void;
  object(text: string, value: unknown): void;
}

export function createOutput(json: boolean, write: (text: string) => void): Output {
  return {
    json,
    line: (text) => write(`${text}\n`),
    rows(items, columns, toJson) {
      if (json) {
        for (const item of items) write(`${JSON.stringify(toJson(item))}\n`);
        return;
      }
      const headers = Object.keys(columns);
      const table = [headers, ...items.map((item) => headers.map((h) => columns[h]!(item)))];
      const widths = headers.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table) write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}\n`);
    },
    object: (text, value) => write(json ? `${JSON.stringify(value)}\n` : `${text}\n`),
  };
}

export function formatBytes(bytes: number): string {
  if (bytes === 0) return "none";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let n = bytes;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
