// The HTTP edge of the error catalogue: every failure leaves as
// {"error":{"code":"…","message":"…"}} with a stable code, and nothing from a 5xx (stack,
// SQL, file paths) reaches the client; the log gets the detail instead.
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { errorCodes, isMoatError, type ErrorCode } from "../shared/errors.js";

/** Codes that only the HTTP edge produces (routing and transport, not the domain). */
export const httpErrorCodes = {
  unauthorized: "authentication required",
  forbidden: "not allowed",
  not_found: "no such resource",
  method_not_allowed: "method not allowed",
  payload_too_large: "the request body is too large",
  unsupported_media_type: "unsupported content type",
  too_many_requests: "too many requests; try again later",
  unavailable: "the server is shutting down",
  // Web sessions (web-session.ts): a missing CSRF header, a restricted session, a login without TLS.
  csrf_token_invalid: "the X-Moat-CSRF header is missing or wrong",
  password_change_required: "change your password first",
  second_factor_enrolment_required: "set up two-factor login first",
  tls_required: "log in over HTTPS",
} as const;

export type HttpErrorCode = ErrorCode | keyof typeof httpErrorCodes;

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

export function errorBody(code: HttpErrorCode, message?: string): ErrorBody {
  const fallback = (httpErrorCodes as Record<string, string>)[code] ?? (errorCodes as Record<string, string>)[code] ?? code;
  return { error: { code, message: message ?? fallback } };
}

/** HTTP status for a domain error code: lookups 404, conflicts 409, server faults 500, else 400. */
export function statusOf(code: ErrorCode): number {
  if (code === "internal" || code === "config_invalid") return 500;
  if (code.endsWith("_not_found")) return 404;
  if (code.endsWith("_exists") || code === "address_taken" || code === "domain_not_empty") return 409;
  return 400;
}

const codeForStatus: Record<number, HttpErrorCode> = {
  400: "invalid_input",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  503: "unavailable",
};

export function sendError(reply: FastifyReply, status: number, code: HttpErrorCode, message?: string): FastifyReply {
  return reply.code(status).type("application/json; charset=utf-8").send(errorBody(code, message));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, "not_found"));

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isMoatError(err)) {
      const status = statusOf(err.code);
      if (status >= 500) {
        request.log.error({ err }, "request failed");
        return sendError(reply, status, "internal");
      }
      return sendError(reply, status, err.code, err.message);
    }
    const status = typeof err.statusCode === "number" ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx errors (schema validation, bad JSON, body limits) describe the
      // request, not the server, so their message is safe and helps the caller fix it.
      const own = err.validation !== undefined || (typeof err.code === "string" && err.code.startsWith("FST_"));
      return sendError(reply, status, codeForStatus[status] ?? "invalid_input", own ? err.message : undefined);
    }
    if (status === 503) return sendError(reply, 503, "unavailable");
    request.log.error({ err }, "request failed");
    return sendError(reply, 500, "internal");
  });
}
