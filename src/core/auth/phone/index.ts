// The bound phone (issue 6, item 6): codes, binding, and the password self-reset.
export { codeLifetimeMs, codeMessage, defaultPhoneCodeLimits, maxCodeAttempts, PhoneCodes, type PhoneCodeLimits, type SendOutcome } from "./codes.js";
export { maskPhoneNumber, normalisePhoneNumber } from "./number.js";
export { PhoneService, type PhoneView } from "./phone-service.js";
export { PasswordSelfReset, resetStartedMessage, type SelfResetDeps } from "./self-reset.js";
export { SmsOutbox } from "./outbox.js";
