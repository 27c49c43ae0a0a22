// Canonical JSON (record specification): sorted keys (by code point), no whitespace,
// integers only, strings escaped like Python's json.dumps(ensure_ascii=False).
const MAX_SAFE = 2 ** 53 - 1;

function codePointCompare(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

function encodeString(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c >= 0xd800 && c <= 0xdfff) throw new Error('lone surrogate in a string');
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function encode(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_SAFE) {
      throw new Error(`canonical JSON holds integers only: ${value}`);
    }
    return String(value);
  }
  if (Array.isArray(value)) return '[' + value.map(encode).join(',') + ']';
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(codePointCompare);
    return '{' + keys.map((k) => encodeString(k) + ':' + encode(value[k])).join(',') + '}';
  }
  throw new Error(`canonical JSON cannot hold ${typeof value}`);
}

/** The canonical JSON text of a value. */
export const canonicalJsonText = encode;

/** The canonical JSON bytes (UTF-8) of a value. */
export const canonicalJson = (value) => new TextEncoder().encode(encode(value));
