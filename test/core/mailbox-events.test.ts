// The in-process mailbox event bus (core/mailstore/events.ts): sessions that leave and rejoin a
// mailbox (a SELECT of the mailbox already selected) keep hearing each change once, and the
// sweep of listener sets emptied by sessions that left never drops a live listener.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InProcessMailboxEvents, type MailboxEvent } from "../../src/core/mailstore/events.js";

const event = (mailboxId: number, uid: number): MailboxEvent => ({ userId: 1, mailboxId, kind: "exists", uids: [uid], modseq: uid });

describe("mailbox events", () => {
  it("reaches a session that leaves and rejoins its mailbox once per change", () => {
    const bus = new InProcessMailboxEvents();
    const heard: number[] = [];
    const other: number[] = [];
    const stay = bus.subscribe(7, (e) => other.push(e.uids[0]!));
    let leave = bus.subscribe(7, (e) => heard.push(e.uids[0]!));
    for (let uid = 1; uid <= 3; uid++) {
      leave();
      leave(); // a second call changes nothing
      leave = bus.subscribe(7, (e) => heard.push(e.uids[0]!));
      bus.publish(event(7, uid));
    }
    assert.deepEqual(heard, [1, 2, 3]);
    assert.deepEqual(other, [1, 2, 3]);
    stay();
    leave();
    bus.publish(event(7, 4));
    assert.deepEqual(heard, [1, 2, 3], "no listener left");
  });

  it("keeps live listeners when the sets of mailboxes whose sessions left are swept", () => {
    const bus = new InProcessMailboxEvents();
    const heard: string[] = [];
    const live = bus.subscribe(1, (e) => heard.push(`live ${e.uids[0]}`));
    // Many mailboxes whose only session left: enough emptied sets to be swept several times.
    for (let id = 100; id < 1100; id++) bus.subscribe(id, () => heard.push(`gone ${id}`))();
    const back = bus.subscribe(150, (e) => heard.push(`back ${e.uids[0]}`));
    for (let id = 1100; id < 1300; id++) bus.subscribe(id, () => heard.push(`gone ${id}`))();
    bus.publish(event(1, 1));
    bus.publish(event(150, 2));
    bus.publish(event(120, 3));
    assert.deepEqual(heard, ["live 1", "back 2"]);
    live();
    back();
  });
});
