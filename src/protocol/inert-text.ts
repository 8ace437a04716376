/*
 * What a text peer's terminal would act on rather than show, in one pass:
 * - line breaks and terminal controls: C0 but tab, DEL, C1 (U+0085 next line, U+009B CSI,
 *   U+009D OSC...), and the Unicode line and paragraph separators;
 * - invisible formatting that hides or reorders text: U+200B zero width space, the bidi
 *   embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, as in CVE-2021-42574),
 *   U+2060-U+2064 word joiner and invisible operators, U+206A-U+206F deprecated format
 *   controls (U+2065 is unassigned), U+FEFF, and the interlinear annotation controls U+FFF9-U+FFFB.
 * Kept, because ordinary text needs them and they cannot end or reorder a line: tab, U+200C
 * and U+200D (zero width non-joiner and joiner: Persian, Indic scripts, emoji sequences), the
 * direction marks U+200E, U+200F and U+061C (right-to-left writing), and U+00AD soft hyphen.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u200b\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** What an unsafe character becomes: a control a space, a format character U+FFFD. */
function replacement(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0x9f || code === 0x2028 || code === 0x2029 ? ' ' : '\ufffd';
}

/**
 * Makes text inert for a terminal or a line reader: each line break or control character
 * (C0 but tab, DEL, C1, U+2028, U+2029) becomes a space, so it can neither end the line nor
 * drive the terminal; each invisible format character that can hide or reorder text (bidi
 * overrides and isolates, zero width space, word joiner, BOM...) becomes U+FFFD, so the
 * reader sees that something was there. No replacement is longer in UTF-8 than what it
 * replaces, so the text never grows.
 */
export function inertText(text: string): string {
  return text.replace(UNSAFE, replacement);
}
