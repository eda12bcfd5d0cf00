// Password strength with zxcvbn-ts: its common and English dictionaries, keyboard graphs and
// l33t table. Built once, on first use (the dictionaries take a moment to rank), so admin
// commands that never set a password do not pay for it.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as english from "@zxcvbn-ts/language-en";

let factory: ZxcvbnFactory | undefined;
let commonPasswords: Set<string> | undefined;

function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  });
  return factory;
}

export interface Strength {
  /** 0 (guessable in a few tries) to 4 (very unguessable), as zxcvbn defines it. */
  readonly score: number;
  /** zxcvbn's advice, for the admin or user choosing a password. */
  readonly suggestions: readonly string[];
}

/** `userInputs`: words of this account (name, address, domain) that make a password weak. */
export function passwordStrength(password: string, userInputs: readonly string[]): Strength {
  const result = zxcvbn().check(password, [...userInputs]);
  return { score: result.score, suggestions: result.feedback.suggestions };
}

/** Whether the password is on zxcvbn-ts's list of common passwords (about 50,000). */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(common.dictionary["passwords-common"]);
  return commonPasswords.has(password.toLowerCase());
}
