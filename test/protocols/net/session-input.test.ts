// SessionInput's waits over a real loopback socket: the idle timer re-armed for each wait
// (and only fired by silence), the listener's shutdown waking a wait that may be cut short,
// and nothing of a finished session left on the listener's shared signal.
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import net from "node:net";
import { describe, it, type TestContext } from "node:test";
import { SessionInput } from "../../../src/protocols/net/session-input.js";

/** A connected pair: the server's socket (what a session reads) and the client's. */
async function pair(t: TestContext): Promise<{ server: net.Socket; client: net.Socket }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once("connection", resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, "127.0.0.1");
  const server = await accepted;
  t.after(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { server, client };
}

const line = 1000;

/** Resolves once the input is waiting for the client: a cue instead of a guessed delay. */
async function waiting(input: SessionInput): Promise<void> {
  while (!input.waiting) await new Promise((resolve) => setImmediate(resolve));
}

describe("session input", () => {
  it("times out only a silent wait, with one timer re-armed for each", async (t) => {
    const { server, client } = await pair(t);
    const input = new SessionInput(server, { idleMs: 1000, closing: new AbortController().signal });
    // Three commands, each sent after more than half the idle time: a timer left over from an
    // earlier wait would fire during a later one.
    for (const word of ["one", "two", "three"]) {
      setTimeout(() => client.write(`${word}\r\n`), 600);
      const read = await input.readLine(line);
      assert.equal(read.kind, "line");
      assert.equal(read.kind === "line" && read.line.toString(), word);
    }
    const started = Date.now();
    assert.equal((await input.readLine(line)).kind, "timeout");
    assert.ok(Date.now() - started >= 950, "the silence lasted the idle time");
  });

  it("wakes a waiting session on shutdown, and leaves no listener once its socket closes", async (t) => {
    const { server, client } = await pair(t);
    const shutdown = new AbortController();
    const input = new SessionInput(server, { idleMs: 60_000, closing: shutdown.signal });
    assert.equal(getEventListeners(shutdown.signal, "abort").length, 1);
    const read = input.readLine(line);
    await waiting(input);
    shutdown.abort();
    assert.equal((await read).kind, "closing");
    assert.equal((await input.readLine(line)).kind, "closing", "a wait after the shutdown ends at once");
    const ended = new Promise((resolve) => server.once("close", resolve));
    client.end();
    await ended;
    assert.equal(getEventListeners(shutdown.signal, "abort").length, 0);
  });

  it("lets a body being read finish through a shutdown, and detach() lets go of the signal", async (t) => {
    const { server, client } = await pair(t);
    const shutdown = new AbortController();
    const input = new SessionInput(server, { idleMs: 60_000, closing: shutdown.signal });
    let got = "";
    const body = input.readWith((bytes) => {
      got += bytes.toString();
      return got.endsWith(".\r\n") ? bytes.length : -1;
    });
    await waiting(input);
    shutdown.abort();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(input.waiting, "the shutdown did not cut the body short");
    client.write("the body\r\n.\r\n");
    assert.equal(await body, "data");
    assert.equal(got, "the body\r\n.\r\n");
    input.detach();
    assert.equal(getEventListeners(shutdown.signal, "abort").length, 0);
  });
});
