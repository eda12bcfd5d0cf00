// What every route module of the web API receives: the core services and the session guard.
import type { FastifyInstance } from "fastify";
import type { Authenticate } from "../../core/auth/authenticate.js";
import type { AppPasswordService } from "../../core/auth/app-passwords.js";
import type { WebSessionService } from "../../core/auth/web-sessions.js";
import type { PasswordSelfReset, PhoneService } from "../../core/auth/phone/index.js";
import type { TwoFactorService } from "../../core/auth/two-factor/service.js";
import type { LoginSettingsService } from "../../core/auth/login-settings-service.js";
import type { LoginEventService } from "../../core/security/anomalies/events-service.js";
import type { LoginRecordService } from "../../core/security/login-records.js";
import type { SessionGuard } from "../web-session.js";

/** The core services the web API calls (the composition root passes them from Moat). */
export interface WebServices {
  readonly authenticate: Authenticate;
  readonly webSessions: WebSessionService;
  readonly appPasswords: AppPasswordService;
  /** The password self-reset with the bound phone; without it its routes are not offered. */
  readonly passwordReset?: PasswordSelfReset | undefined;
  /** The signed-in user's bound phone; without it its routes are not offered. */
  readonly phones?: PhoneService | undefined;
  /** Two-factor enrolment and the SMS code of a login's second step; without it their routes are not offered. */
  readonly twoFactor?: TwoFactorService | undefined;
  /** Login records (issue 8): the user's own and an admin's domain's; without it their routes are not offered. */
  readonly logins?: LoginRecordService | undefined;
  /** Abnormal-login events (issue 8): the user's own, an admin's domain's, acknowledged by admins; without it their routes are not offered. */
  readonly loginEvents?: LoginEventService | undefined;
  /** The signed-in user's own login settings (their alert-mail switch); without it its routes are not offered. */
  readonly loginSettings?: LoginSettingsService | undefined;
}

export interface WebRouteContext extends WebServices {
  /** preHandler factory for signed-in routes: `{ preHandler: context.guard() }`. */
  readonly guard: SessionGuard;
}

/** One resource's routes; listed in routes/index.ts. */
export type RouteModule = (app: FastifyInstance, context: WebRouteContext) => void;
