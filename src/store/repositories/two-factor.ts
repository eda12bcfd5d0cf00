// Two-factor login (decision 0013): an account's TOTP state and recovery codes. Passkeys and
// remembered browsers are in two-factor-devices.ts; twoFactorRepository joins both.
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { TwoFactorAccount, TwoFactorRepository } from "../../core/ports/two-factor.js";
import type { Database } from "../schema.js";
import type { TwoFactorAccountsTable } from "../schema-two-factor.js";
import { twoFactorDevices } from "./two-factor-devices.js";

function toAccount(row: Selectable<TwoFactorAccountsTable>): TwoFactorAccount {
  return {
    userId: row.user_id,
    totpSealed: row.totp_sealed,
    totpConfirmedAt: row.totp_confirmed_at,
    totpLastStep: row.totp_last_step,
    totpPendingSealed: row.totp_pending_sealed,
    totpPendingAt: row.totp_pending_at,
    requiredSince: row.required_since,
  };
}

type AccountPatch = Partial<Omit<TwoFactorAccountsTable, "user_id" | "updated_at">>;

export function twoFactorRepository(db: Kysely<Database>): TwoFactorRepository {
  /** Creates the account's row when it has none; an upsert, so concurrent writers agree. */
  const upsert = async (userId: number, patch: AccountPatch, now: EpochMs) => {
    const values = { ...patch, updated_at: now };
    await db
      .insertInto("two_factor_accounts")
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column("user_id").doUpdateSet(values))
      .execute();
  };
  const changed = (result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }) => Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n) > 0;

  const devices = twoFactorDevices(db);
  const removeTotp = async (userId: number, now: EpochMs) => {
    const result = await db
      .updateTable("two_factor_accounts")
      .set({ totp_sealed: null, totp_confirmed_at: null, totp_last_step: null, totp_pending_sealed: null, totp_pending_at: null, updated_at: now })
      .where("user_id", "=", userId)
      .where((eb) => eb.or([eb("totp_sealed", "is not", null), eb("totp_pending_sealed", "is not", null)]))
      .executeTakeFirst();
    return changed(result);
  };

  return {
    ...devices,
    removeTotp,

    async account(userId) {
      const row = await db.selectFrom("two_factor_accounts").selectAll().where("user_id", "=", userId).executeTakeFirst();
      return row && toAccount(row);
    },

    setPendingTotp: (userId, sealed, now) => upsert(userId, { totp_pending_sealed: sealed, totp_pending_at: now }, now),

    async confirmTotp(userId, step, now) {
      const result = await db
        .updateTable("two_factor_accounts")
        .set((eb) => ({ totp_sealed: eb.ref("totp_pending_sealed"), totp_confirmed_at: now, totp_last_step: step, totp_pending_sealed: null, totp_pending_at: null, updated_at: now }))
        .where("user_id", "=", userId)
        .where("totp_pending_sealed", "is not", null)
        .executeTakeFirst();
      return changed(result);
    },

    async useTotpStep(userId, step) {
      // One conditional update: two logins racing with the same code cannot both win.
      const result = await db
        .updateTable("two_factor_accounts")
        .set({ totp_last_step: step })
        .where("user_id", "=", userId)
        .where("totp_sealed", "is not", null)
        .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
        .executeTakeFirst();
      return changed(result);
    },

    setRequiredSince: (userId, since, now) => upsert(userId, { required_since: since }, now),

    async replaceRecoveryCodes(userId, codes, now) {
      await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
      if (codes.length === 0) return;
      await db
        .insertInto("recovery_codes")
        .values(codes.map((c) => ({ user_id: userId, hash: c.hash, key_id: c.keyId, created_at: now, used_at: null })))
        .execute();
    },

    async recoveryCodes(userId) {
      const rows = await db.selectFrom("recovery_codes").select(["id", "hash", "key_id", "used_at"]).where("user_id", "=", userId).orderBy("id").execute();
      return rows.map((r) => ({ id: r.id, hash: r.hash, keyId: r.key_id, usedAt: r.used_at }));
    },

    async useRecoveryCode(id, now) {
      const result = await db.updateTable("recovery_codes").set({ used_at: now }).where("id", "=", id).where("used_at", "is", null).executeTakeFirst();
      return changed(result);
    },

    async removeAll(userId, now) {
      const totp = await removeTotp(userId, now);
      const passkeys = await db.deleteFrom("passkeys").where("user_id", "=", userId).executeTakeFirst();
      const codes = await db.deleteFrom("recovery_codes").where("user_id", "=", userId).executeTakeFirst();
      const browsers = await devices.removeBrowsers(userId);
      return { totp, passkeys: Number(passkeys.numDeletedRows), recoveryCodes: Number(codes.numDeletedRows), rememberedBrowsers: browsers };
    },
  };
}
