/**
 * Text a remote server sent (an error body), made fit to show in `detailed-status`: a VIM URL is user input, so
 * whatever answers there must not get a page, markup, terminal escapes or a token echoed through us. Tags and
 * scripts go, control and format characters go, whitespace is collapsed, token-like strings are masked, and the
 * result is cut at `max` characters.
 */
export function remoteText(raw: unknown, max = 200): string {
  let s = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : safeJson(raw);
  if (/<\s*(!doctype|html|head|body|script|style|div|p|h\d|title)\b/i.test(s)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(s)?.[1];
    s = `HTML page${title ? `: ${title}` : ''}`;
  }
  s = s
    .replace(/<[^>]*>?/g, ' ')
    // a header echoed back: its whole value, to the end of the line
    .replace(/\b(x-auth-token|x-subject-token|authorization|cookie|set-cookie)\b\s*[:=][^\r\n]*/gi, '$1: ***')
    // C0/C1 controls, DEL, bidi and other format characters (they reorder or hide text in a terminal or a page)
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***')
    // Keystone Fernet tokens and other long opaque strings
    .replace(/\bgAAAAA[A-Za-z0-9_-]{20,}/g, '***')
    .replace(/[A-Za-z0-9_+/=-]{64,}/g, '***')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}
