// The password policy of a domain (issue 6, item 5), as one pure check that returns every
// reason a password fails at once: length, character classes, a zxcvbn-ts strength floor, the
// common-password list, forbidden keywords (plain words matched through the substitutions
// people use to dodge them, or regular expressions), and words always forbidden: the company's
// own domain and the user's own name. Reuse of the last passwords is checked by the caller,
// which holds the hashes (password-policy-service.ts).
import { isCommonPassword, passwordStrength } from "./password-strength.js";
import { forbiddenWords, ownWords, type PasswordSubject } from "./password-words.js";

export type { PasswordSubject } from "./password-words.js";

export interface PasswordPolicy {
  readonly minLength: number;
  readonly classes: number;
  readonly minScore: number;
  readonly keywords: readonly string[];
}

const classes: readonly RegExp[] = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u];

/** Every reason the password breaks the policy; empty when it is acceptable. */
export function passwordProblems(password: string, policy: PasswordPolicy, subject: PasswordSubject): string[] {
  const problems: string[] = [];
  const length = [...password.normalize("NFKC")].length;
  if (length < policy.minLength) problems.push(`it must have at least ${policy.minLength} characters`);
  const kinds = classes.filter((c) => c.test(password)).length;
  if (kinds < policy.classes) problems.push(`it must mix at least ${policy.classes} of lower case, upper case, digits and symbols`);
  if (isCommonPassword(password)) problems.push("it is a commonly used password");
  const { own, keywords: forbidden } = forbiddenWords(password, policy.keywords, subject);
  if (own !== undefined) problems.push(`it contains "${own}", part of the account's name or domain`);
  if (forbidden.length > 0) problems.push(`it contains forbidden ${forbidden.length === 1 ? "word" : "words"}: ${forbidden.join(", ")}`);
  // zxcvbn takes tens of milliseconds on a long, substituted password: only when asked for.
  const strength = policy.minScore > 0 ? passwordStrength(password, ownWords(subject)) : { score: 4, suggestions: [] };
  if (strength.score < policy.minScore) {
    const hint = strength.suggestions[0];
    problems.push(`it is too easy to guess (strength ${strength.score} of 4, at least ${policy.minScore} needed)${hint ? `: ${hint}` : ""}`);
  }
  return problems;
}
