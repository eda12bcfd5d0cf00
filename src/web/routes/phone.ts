// /api/v1/account/phone: the signed-in user's bound phone (issue 6, item 6; decision 0016).
// Binding sends a code to the number and the code binds it; changing it needs the password
// and a code to the OLD number, then a code to the new one; removing it needs the password.
// A wrong code is 400 code_invalid, too many codes 400 rate_limited, a failed gateway sms_failed.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { PhoneView } from "../../core/auth/phone/index.js";
import { userActor } from "../../core/auth/web-sessions.js";
import { iso, parseInput } from "../validate.js";
import { sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";

const number = z.string().min(1).max(40);
const code = z.string().min(1).max(32);
const password = z.string().min(1).max(4096);
const bindBody = z.strictObject({ number });
const codeBody = z.strictObject({ code });
const changeBody = z.strictObject({ password, number });
const removeBody = z.strictObject({ password });

const phoneJson = (v: PhoneView) => ({ number: v.number, verifiedAt: iso(v.verifiedAt) });

export function phoneRoutes(app: FastifyInstance, { phones, guard }: WebRouteContext): void {
  if (!phones) return;

  app.get("/api/v1/account/phone", { preHandler: guard() }, async (request) => phoneJson(await phones.show(sessionOf(request).user.address)));

  app.post("/api/v1/account/phone", { preHandler: guard() }, async (request, reply) => {
    const { user } = sessionOf(request);
    const body = parseInput(bindBody, request.body);
    return reply.code(202).send(await phones.bind(user.address, body.number, userActor(user)));
  });

  app.post("/api/v1/account/phone/confirm", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    return phoneJson(await phones.confirm(user.address, parseInput(codeBody, request.body).code, userActor(user)));
  });

  app.post("/api/v1/account/phone/change", { preHandler: guard() }, async (request, reply) => {
    const body = parseInput(changeBody, request.body);
    return reply.code(202).send(await phones.change(userActor(sessionOf(request).user), body.password, body.number));
  });

  app.post("/api/v1/account/phone/confirm-old", { preHandler: guard() }, async (request, reply) => {
    const body = parseInput(codeBody, request.body);
    return reply.code(202).send(await phones.confirmOldNumber(userActor(sessionOf(request).user), body.code));
  });

  app.delete("/api/v1/account/phone", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    return phones.remove(user.address, userActor(user), parseInput(removeBody, request.body).password);
  });
}
