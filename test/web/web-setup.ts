// The web API over a test store: the core of issue 6 as login-security-setup.ts wires it,
// web sessions on the same clock, and the real HTTP server on port 0 with every web route.
// `Browser` is a small cookie-keeping client over fetch, so tests read like a person using
// the API from one browser (its cookies, its CSRF token, its User-Agent).
import type { TestContext } from "node:test";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import { WebSessionService, type WebSessionSettings } from "../../src/core/auth/web-sessions.js";
import type { Store } from "../../src/core/ports/store.js";
import { CidrSet } from "../../src/shared/ip.js";
import { registerWebRoutes } from "../../src/web/routes/index.js";
import { startHttpServer } from "../../src/web/server.js";
import { securityCore, type SecurityCore, type SecurityCoreOptions } from "../core/login-security-setup.js";

export { PASSWORD, admin } from "../core/login-security-setup.js";

export interface WebTestApp extends SecurityCore {
  readonly port: number;
  readonly webSessions: WebSessionService;
  browser(userAgent?: string): Browser;
}

export const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
export const safariIphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

export async function webApp(t: TestContext, store: Store, opts: SecurityCoreOptions & { sessions?: WebSessionSettings } = {}): Promise<WebTestApp> {
  const passwords = opts.passwords ?? createPasswordHasher(4);
  const core = await securityCore(t, store, { ...opts, passwords });
  const webSessions = new WebSessionService(store, core.clock, core.accounts, core.security.audit, passwords, opts.sessions);
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    // Loopback is a trusted proxy, so a test can also play a client behind it (X-Forwarded-For).
    trustedProxies: CidrSet.parse(["127.0.0.1"]),
    closeGraceMs: 0,
    routes: (app) => registerWebRoutes(app, { authenticate: core.authenticate, webSessions, appPasswords: core.security.appPasswords, loginSettings: core.security.settings }),
  });
  t.after(() => server.close());
  return { ...core, port: server.port, webSessions, browser: (ua = firefox) => new Browser(server.port, ua) };
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string; reasons?: string[]; pending?: unknown } };
  readonly setCookies: string[];
}

export class Browser {
  readonly cookies = new Map<string, string>();
  csrf = "";

  constructor(
    readonly port: number,
    readonly userAgent: string,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: {
        "user-agent": this.userAgent,
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.csrf && method !== "GET" ? { "x-moat-csrf": this.csrf } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Reply["body"]), setCookies };
  }

  /** Logs in with a password; keeps the cookie and the CSRF token. */
  async login(address: string, password: string, headers: Record<string, string> = {}): Promise<Reply> {
    const reply = await this.call("POST", "/api/v1/session", { address, password }, headers);
    if (reply.status === 200) this.csrf = String(reply.body.csrfToken);
    return reply;
  }
}
