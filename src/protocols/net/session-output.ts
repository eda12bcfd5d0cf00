// The writing side every line protocol shares: replies to pipelined commands leave together,
// a client that stops reading is not fed more (test plan A2.4: a backed-up TLS write buffer
// grew to hundreds of megabytes, nodejs/node#5469), and a session ends with a clean close
// that still frees the socket when the client never closes its side.
import type net from "node:net";

/** A client that neither reads our last reply nor closes is cut after this long. */
const lingerMs = 10_000;
/** Held for the rest of a turn up to this much: a large reply starts leaving before the turn ends. */
const turnBytes = 64 * 1024;

/**
 * While the client's pipelined commands are already here (`pipelined()`), replies are held in
 * the socket (cork) and leave together when we next wait for the client (`flush()`), never
 * later, so a client waiting for them is never kept waiting (RFC 2920 §3.1, RFC 2449 §6.6).
 */
export class ReplyWriter {
  private corked = false;
  /** The socket corked until the current turn of the event loop ends (`sameTurn`). */
  private turnCorked: net.Socket | null = null;

  constructor(
    public socket: net.Socket,
    private readonly pipelined: () => boolean,
    /**
     * Writes made in one turn of the event loop leave in one write (a command's untagged lines
     * and its tagged reply, IMAP): each write on loopback also woke the client, and two writes
     * per SELECT were more than a third of its CPU (decision 0033).
     */
    private readonly sameTurn = false,
  ) {}

  write(data: string | Buffer): void {
    if (this.socket.destroyed) return;
    if (!this.corked && this.pipelined()) {
      this.socket.cork();
      this.corked = true;
    }
    if (this.sameTurn && this.turnCorked === null) this.corkTurn();
    this.socket.write(data);
    // A large reply (FETCH of bodies) starts leaving at once, as before.
    if (this.turnCorked !== null && this.socket.writableLength >= turnBytes) this.uncorkTurn();
  }

  flush(): void {
    this.uncorkTurn();
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Cork counts nest, so this and the pipelining cork release independently. */
  private corkTurn(): void {
    this.turnCorked = this.socket;
    this.socket.cork();
    // After the microtasks of this turn (a command's awaits on SQLite resolve within it).
    process.nextTick(() => this.uncorkTurn());
  }

  private uncorkTurn(): void {
    const socket = this.turnCorked;
    if (socket === null) return;
    this.turnCorked = null;
    socket.uncork();
  }

  /**
   * Before the next command is read: a held batch that has grown past the socket's buffer goes
   * out now (a corked socket never drains), then we wait until the client has taken it.
   */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.socket.writableNeedDrain) this.flush();
    return drained(this.socket, timeoutMs);
  }
}

/**
 * Resolves true once the client has read what we wrote (at once when nothing is waiting), or
 * false — with the socket destroyed — when it does not within `timeoutMs` or goes away.
 */
export async function drained(socket: net.Socket, timeoutMs: number): Promise<boolean> {
  if (!socket.writableNeedDrain) return true;
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const done = (value: boolean) => {
      clearTimeout(timer);
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(value);
    };
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
  if (!ok) socket.destroy();
  return ok;
}

/**
 * Ends the session's socket after its last reply. Reading on (and dropping what comes) lets
 * the client's FIN arrive, so the socket closes now and frees its per-IP slot, instead of
 * waiting for the linger timer.
 */
export function endSocket(socket: net.Socket): void {
  socket.resume();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}
