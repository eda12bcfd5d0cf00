// /api/v1/password-reset: the password self-reset with the bound phone (issue 6, item 6;
// decision 0016), for a user who cannot sign in. `start` answers 202 with the same sentence
// whatever the address (no account enumeration); the code goes to the bound phone afterwards.
// `finish` takes the code and the new password: a wrong, used or expired code is 400
// code_invalid, a password the domain's policy refuses is 400 invalid_password with every reason.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { isMoatError } from "../../shared/errors.js";
import { sendError } from "../errors.js";
import { parseInput } from "../validate.js";
import type { WebRouteContext } from "./context.js";

const address = z.string().min(1).max(320);
const startBody = z.strictObject({ address });
const finishBody = z.strictObject({ address, code: z.string().min(1).max(32), password: z.string().min(1).max(4096) });

export function passwordResetRoutes(app: FastifyInstance, { passwordReset }: WebRouteContext): void {
  if (!passwordReset) return;

  app.post("/api/v1/password-reset/start", async (request, reply) => {
    const body = parseInput(startBody, request.body);
    return reply.code(202).send(passwordReset.start(body.address));
  });

  app.post("/api/v1/password-reset/finish", async (request, reply) => {
    // A new password over plain HTTP off loopback could be read on the way.
    if (!request.secure) return sendError(reply, 403, "tls_required");
    const body = parseInput(finishBody, request.body);
    try {
      return await passwordReset.finish(body.address, body.code, body.password);
    } catch (err) {
      if (!isMoatError(err, "invalid_password")) throw err;
      return reply.code(400).send({ error: { code: err.code, message: err.message, reasons: err.details ?? [err.message] } });
    }
  });
}
