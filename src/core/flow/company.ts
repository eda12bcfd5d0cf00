// "The company" of issue 7: every domain of this install, unless the admin groups domains into
// organisations (domain flow setting `organisation`); domains with no organisation named are
// one company together. Internal-only accounts, "company-internal" group senders and the
// external-mail warning all ask the same question: are these two domains one company?
import type { DomainName } from "../../mail/address.js";
import type { Store } from "../ports/store.js";
import { domainFlowSettingsSchema, readFlowSettings, type DomainFlowSettings } from "./flow-settings.js";

type Reader = Pick<Store, "domains" | "flowSettings">;

export interface Company {
  /** Both are our domains and in the same organisation. */
  same(a: DomainName, b: DomainName): boolean;
  /** The domain is one of ours. */
  ours(domain: DomainName): boolean;
  /**
   * The domain's mail-flow settings, from the same read as the organisations: the stages of one
   * message (boundary, admin rules, warning, monitoring) all decide on this one snapshot
   * instead of each reading the settings again.
   */
  settingsOf(domainId: number): DomainFlowSettings;
}

/** Reads the organisation map and every domain's settings: two queries, once per message or recipient check. */
export async function readCompany(store: Reader): Promise<Company> {
  const [domains, stored] = await Promise.all([store.domains.list(), store.flowSettings.allDomains()]);
  const settingsById = new Map(stored.map((s) => [s.domainId, readFlowSettings(domainFlowSettingsSchema, s.settings)]));
  const defaults = readFlowSettings(domainFlowSettingsSchema, undefined);
  const settingsOf = (id: number) => settingsById.get(id) ?? defaults;
  const organisation = new Map<string, string | null>(domains.map((d) => [d.name, settingsOf(d.id).organisation]));
  return {
    ours: (domain) => organisation.has(domain),
    same: (a, b) => organisation.has(a) && organisation.has(b) && organisation.get(a) === organisation.get(b),
    settingsOf,
  };
}
