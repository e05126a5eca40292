/**
 * Finding the configured API key in what a server sends back, in the encodings a careless server uses (raw,
 * URL-encoded, JSON- or HTML-escaped, base64 at any alignment, hex), whole or as a long part of it; and removing
 * every such form from the report. All searches are plain substring searches: linear in the text.
 */

/** A part of the key this long (or the whole key when shorter) counts as the key: enough to narrow a guess a lot. */
export function leakWindow(key: string): number {
  return Math.min(key.length, Math.max(10, Math.ceil(key.length / 2)));
}

/** Text (headers and body) the scan looks at per answer; a key lies near the start of an error page, not 100 MB in. */
const LEAK_SCAN_CHARS = 1024 * 1024;

export interface KeyForm {
  /** How the server wrote it, for the message ("base64", "URL-encoded" …). */
  encoding: string;
  text: string;
}

/** The forms of `text` a server could have written it in. */
function encodingsOf(text: string): KeyForm[] {
  const forms: KeyForm[] = [
    { encoding: 'as is', text },
    { encoding: 'URL-encoded', text: encodeURIComponent(text) },
    { encoding: 'form-encoded', text: new URLSearchParams({ k: text }).toString().slice(2) },
    { encoding: 'JSON-escaped', text: JSON.stringify(text).slice(1, -1) },
    { encoding: 'JSON-escaped', text: JSON.stringify(text).slice(1, -1).replace(/\//g, '\\/') },
    {
      encoding: 'HTML-escaped',
      text: text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
    },
    { encoding: 'hex', text: Buffer.from(text).toString('hex') },
  ];
  return forms.filter((form) => form.text.length > 0);
}

/**
 * base64 of `key` wherever it sits in a longer encoded value (a cookie, a token, Basic credentials): the characters
 * that depend on the key alone, for each of the three byte alignments, standard and URL-safe alphabets.
 */
function base64Forms(key: string): KeyForm[] {
  const bytes = Buffer.from(key);
  const forms: KeyForm[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Leading characters mix in the padding bytes, trailing ones the bytes that follow the key.
    const first = Math.ceil((shift * 8) / 6);
    const last = Math.floor(((shift + bytes.length) * 8) / 6);
    const stable = encoded.slice(first, last);
    if (stable.length >= 8) {
      forms.push({ encoding: 'base64', text: stable });
      forms.push({ encoding: 'base64', text: stable.replace(/\+/g, '-').replace(/\//g, '_') });
    }
  }
  return forms;
}

/** Every form of the key and of each long part of it that counts as showing it. */
function keyForms(key: string): KeyForm[] {
  const window = leakWindow(key);
  const parts = new Set<string>([key]);
  for (let start = 0; start + window <= key.length; start++) parts.add(key.slice(start, start + window));
  const forms = [...parts].flatMap(encodingsOf);
  forms.push(...base64Forms(key));
  const seen = new Set<string>();
  return forms.filter((form) => !seen.has(form.text) && seen.add(form.text));
}

export interface KeyScanner {
  /** How the key shows in `text`, or undefined. `ignoring` are values the request itself carried (a near-miss key echoed back). */
  find(text: string, ignoring?: readonly string[]): KeyForm | undefined;
  /** `text` with every form of the key replaced by `masked`. */
  redact(text: string): string;
}

export function createKeyScanner(key: string, masked: string): KeyScanner {
  const forms = keyForms(key);
  // Longest first, so a whole key is reported (and redacted) as one, not as its parts.
  forms.sort((a, b) => b.text.length - a.text.length);
  return {
    find(text, ignoring = []) {
      let haystack = text.length > LEAK_SCAN_CHARS ? text.slice(0, LEAK_SCAN_CHARS) : text;
      for (const value of ignoring) {
        if (value === key || value.length === 0) continue;
        for (const form of encodingsOf(value)) haystack = haystack.split(form.text).join('\u0000');
      }
      return forms.find((form) => haystack.includes(form.text));
    },
    redact(text) {
      let out = text;
      for (const form of forms) if (out.includes(form.text)) out = out.split(form.text).join(masked);
      return out;
    },
  };
}
