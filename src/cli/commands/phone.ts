// moat phone show|bind|confirm|remove: an account's bound (secure) phone (issue 6, item 6),
// for an admin acting for the user; and moat sms outbox: what the `log` sender "sent".
// `bind` sends a code to the number; `confirm` with that code binds it. Changing a bound number
// needs the user's password and a code to the old one (the web security settings); an admin
// removes the old binding first. Every change goes to the audit log.
import type { Command } from "commander";
import type { PhoneView } from "../../core/auth/phone/index.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const phoneJson = (v: PhoneView) => ({ address: v.address, number: v.number, verifiedAt: v.verifiedAt === null ? null : new Date(v.verifiedAt).toISOString() });
const phoneText = (v: PhoneView) => (v.number === null ? `${v.address}: no bound phone` : `${v.address}: ${v.number} (bound ${formatTime(v.verifiedAt!)})`);

export function phoneCommand(program: Command, io: CliIo): void {
  const phone = program.command("phone").description("an account's bound phone: password self-reset and the text-message second factor");

  phone
    .command("show <address>")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const view = await moat.phone.phones.show(address);
        outputOf(cmd, io).object(phoneText(view), phoneJson(view));
      }),
    );

  phone
    .command("bind <address> <number>")
    .description("send a code to the number (international form, e.g. +4915112345678); then: moat phone confirm ADDRESS CODE")
    .action((address: string, number: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { sentTo } = await moat.phone.phones.bind(address, number, cliActor());
        const hint = moat.phone.sender.kind === "log" ? " (log sender: see moat sms outbox)" : "";
        outputOf(cmd, io).object(`a code was sent to ${sentTo}${hint}; bind it with: moat phone confirm ${address} CODE`, { address, sentTo });
      }),
    );

  phone
    .command("confirm <address> <code>")
    .description("bind the number the code was sent to")
    .action((address: string, code: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const view = await moat.phone.phones.confirm(address, code, cliActor());
        outputOf(cmd, io).object(phoneText(view), phoneJson(view));
      }),
    );

  phone
    .command("remove <address>")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { removed } = await moat.phone.phones.remove(address, cliActor());
        if (removed === null) throw new MoatError("invalid_input", `${address} has no bound phone`);
        outputOf(cmd, io).object(`removed ${removed} from ${address}`, { address, removed });
      }),
    );
}

export function smsCommand(program: Command, io: CliIo): void {
  const sms = program.command("sms").description("text messages sent to bound phones");
  sms
    .command("outbox")
    .description("what the log sender sent, newest first")
    .option("--to <number>", "only messages to this number")
    .option("--limit <n>", "at most this many", "50")
    .action((opts: { to?: string; limit: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new MoatError("invalid_input", `--limit: expected a whole number from 1 to 10000, not '${opts.limit}'`);
        outputOf(cmd, io).rows(
          await moat.phone.outbox.list({ limit, to: opts.to }),
          { TIME: (m) => formatTime(m.at), TO: (m) => m.to, PURPOSE: (m) => m.purpose, TEXT: (m) => m.text },
          (m) => ({ at: new Date(m.at).toISOString(), to: m.to, purpose: m.purpose, text: m.text }),
        );
      }),
    );
}
