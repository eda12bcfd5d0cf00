// Field builders shared by the settings schema. Values arrive from the TOML file (typed) or
// from environment variables (always strings), so each builder accepts both forms.
import { z } from "zod";

const fromString = (parse: (s: string) => unknown) => (v: unknown) => (typeof v === "string" ? parse(v.trim()) : v);

const asNumber = (s: string): unknown => (s !== "" && /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s);

export const port = () =>
  z.preprocess(fromString(asNumber), z.number({ error: "expected a port number" }).int().min(0, "a port is 0 to 65535").max(65535, "a port is 0 to 65535"));

export const int = (min: number, max: number) =>
  z.preprocess(fromString(asNumber), z.number({ error: "expected a whole number" }).int().min(min, `at least ${min}`).max(max, `at most ${max}`));

export const bool = () =>
  z.preprocess(
    fromString((s) => ({ true: true, on: true, yes: true, "1": true, false: false, off: false, no: false, "0": false })[s.toLowerCase()] ?? s),
    z.boolean({ error: "expected on/off, true/false" }),
  );

export const list = () =>
  z.preprocess(
    fromString((s) => (s === "" ? [] : s.split(",").map((x) => x.trim()))),
    z.array(z.string().min(1), { error: "expected a list (comma-separated in the environment)" }),
  );

export const text = () => z.string({ error: "expected text" });
