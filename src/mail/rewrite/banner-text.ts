// The banner as it is put into a text/plain or a text/html body, and where it goes.

/** Longer banners are cut: a 7bit or 8bit line may not exceed 998 octets (RFC 5322 §2.1.1). */
const MAX_BANNER = 400;

/** The banner on one line, at most MAX_BANNER characters. */
export function bannerLine(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, " ").trim();
  return flat.length <= MAX_BANNER ? flat : `${flat.slice(0, MAX_BANNER - 1)}…`;
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

// Inline styles only: mail clients drop <style> blocks and class names they do not know.
const STYLE = "margin:0 0 12px 0;padding:8px 12px;border:1px solid #e0a526;border-left:4px solid #e0a526;background:#fff8e5;color:#4d3800;font-family:Arial,Helvetica,sans-serif;font-size:13px;line-height:1.4";

/** The banner as an HTML block; the text is escaped so a sender's name cannot add markup. */
export function htmlBanner(line: string, eol: string): string {
  return `<div style="${STYLE}">${line.replace(/[&<>"']/g, (c) => escapes[c]!)}</div>${eol}`;
}

/** The banner as the first paragraph of a text body. */
export function plainBanner(line: string, eol: string): string {
  return `${line}${eol}${eol}`;
}

const TAG_SEARCH = 64 * 1024;

/**
 * Where the banner goes in an HTML document (given as text, or bytes read as latin1): right
 * after <body…>; without one, after </head> or <html…>, so a doctype stays first; else at the start.
 */
export function htmlInsertAt(html: string): number {
  // Looked for in the first part only: many unclosed "<body" would make the search quadratic.
  const head = html.slice(0, TAG_SEARCH);
  for (const tag of [/<body\b[^>]*>/i, /<\/head\s*>/i, /<html\b[^>]*>/i]) {
    const match = tag.exec(head);
    if (match !== null) return match.index + match[0].length;
  }
  return 0;
}

/** Where the banner goes in a text body: at the start, after a byte order mark. */
export function plainInsertAt(text: string): number {
  if (text.startsWith("\uFEFF")) return 1;
  return text.startsWith("\xEF\xBB\xBF") ? 3 : 0;
}

/** Rewrites a <meta> charset declaration, so a converted HTML part does not contradict its header. */
export function relabelHtmlMeta(html: string, charset: string): string {
  return html.replace(/(<meta\b[^>]*?\bcharset\s*=\s*["']?)[\w.:-]+/gi, `$1${charset}`);
}
