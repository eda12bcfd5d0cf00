// Stage 9, user rules at delivery (issue 7 item 6): each local recipient's forward setting and
// active Sieve script (user-rules/apply.ts) edit that recipient's copy in the plan. Users with
// neither cost one small query per message for all recipients together; compiled scripts are
// cached by (account, script, change time). Copies a redirect adds are not filtered again.
import type { DeliveryPlan } from "./copies.js";
import type { StageContext, StageTools } from "./stage.js";
import { isRefusedForwardNotice, UserRulesRun } from "./user-rules/apply.js";

export async function userRulesStage(ctx: StageContext, plan: DeliveryPlan, tools: StageTools): Promise<void> {
  // A copy an earlier stage deleted (placements []) is not the user's to filter.
  const copies = plan.local.filter((c) => c.placements.length > 0);
  if (copies.length === 0 || isRefusedForwardNotice(ctx, tools.hostname)) return;
  const rows = new Map((await tools.store.sieveScripts.rulesFor(copies.map((c) => c.user.id))).map((r) => [r.userId, r]));
  if (rows.size === 0) return;
  const run = new UserRulesRun(ctx, plan, tools);
  for (const copy of copies) {
    const row = rows.get(copy.user.id);
    if (row) await run.apply(copy, row);
  }
}
