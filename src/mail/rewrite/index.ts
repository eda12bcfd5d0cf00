// Rewrites of a message for its reader (issue 7 item 7): a subject tag and a banner at the top
// of the text and HTML bodies, for clients that do not show Moat's warning header. Both splice
// byte ranges of the original rather than serialise the message again, so whatever they do not
// change (other header fields, attachments, boundaries) keeps its bytes.
export { tagSubject } from "./subject-tag.js";
export { insertBanner } from "./banner.js";
