/**
 * HTML <-> plain text, for EWS BodyType conversion (an item stored as HTML asked for as Text,
 * and the reverse) and for the text/plain alternative of an HTML-only message we compose.
 * Deliberately simple: a tokenizer over tags and text, no DOM. Good enough for mail bodies,
 * never throws, linear in the input.
 */

/** Elements whose start and end break the line. */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption',
  'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol',
  'p', 'pre', 'section', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul', 'caption',
]);
/** Elements that leave a blank line after them. */
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table', 'ul', 'ol', 'pre']);
/** Elements whose content is never text. */
const DROPPED = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'object', 'iframe', 'svg']);

// Attribute text never spans a '<', so a broken tag costs at most the distance to the next one.
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![^>]*>?|<\?[^>]*>?|<\/?([a-zA-Z][a-zA-Z0-9:-]*)((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>|<|[^<]+/g;

export function htmlToText(html: string): string {
  const out: string[] = [];
  let pre = 0;
  let dropping: string | undefined;
  // Line breaks owed by block boundaries; adjacent boundaries share them (</li><li> is one break).
  let pendingBreaks = 0;
  let firstCell = true;
  const emit = (text: string): void => {
    if (pendingBreaks > 0 && out.length > 0) out.push('\n'.repeat(pendingBreaks));
    pendingBreaks = 0;
    out.push(text);
  };
  const breakAtLeast = (n: number): void => {
    pendingBreaks = Math.max(pendingBreaks, n);
  };
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(html); m !== null; m = TOKEN.exec(html)) {
    const token = m[0];
    const tag = m[1]?.toLowerCase();
    if (tag !== undefined) {
      const closing = token.startsWith('</');
      if (dropping !== undefined) {
        if (closing && tag === dropping) dropping = undefined;
        continue;
      }
      if (!closing && DROPPED.has(tag) && !/\/\s*>$/.test(token)) {
        dropping = tag;
        continue;
      }
      if (tag === 'br') emit('\n');
      else if (tag === 'td' || tag === 'th') {
        if (!closing && !firstCell) emit('\t');
        if (!closing) firstCell = false;
      } else if (BLOCK.has(tag)) {
        if (tag === 'pre') pre = Math.max(0, pre + (closing ? -1 : 1));
        if (tag === 'tr') firstCell = true;
        breakAtLeast(closing && PARAGRAPH.has(tag) ? 2 : 1);
        if (tag === 'li' && !closing) emit('* ');
      } else if (tag === 'img' && !closing) {
        const alt = /\balt\s*=\s*("([^"]*)"|'([^']*)')/i.exec(m[2] ?? '');
        const text = alt?.[2] ?? alt?.[3];
        if (text) emit(decodeEntities(text));
      }
      continue;
    }
    if (dropping !== undefined || token.startsWith('<!') || token.startsWith('<?')) continue;
    const text = decodeEntities(token);
    if (pre > 0) {
      // Inside <pre> spaces are held as NBSP, which the clean-up below leaves alone, like &nbsp;.
      emit(text.replace(/\r\n?/g, '\n').replace(/ /g, '\u00a0'));
    } else {
      // Outside <pre>, HTML collapses every run of whitespace (source line breaks included) to one space.
      const collapsed = text.replace(/[ \t\r\n\f]+/g, ' ');
      if (collapsed !== ' ' || pendingBreaks === 0) emit(collapsed);
    }
  }
  return out
    .join('')
    .replace(/[ \t]*\n[ ]*/g, '\n') // no stray spaces around line breaks
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^[ \t\n]+|[ \t\n]+$/g, '')
    .replace(/\u00a0/g, ' ');
}

export function textToHtml(text: string): string {
  const body = escapeHtml(text.replace(/\r\n?/g, '\n'))
    // Keep runs of spaces visible: every second space of a run becomes a non-breaking one.
    .replace(/ {2}/g, ' &nbsp;')
    .replace(/^ /gm, '&nbsp;')
    .replace(/\n/g, '<br>\r\n');
  return (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>' +
    body +
    '</body></html>'
  );
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The entities mail bodies actually use; the Latin-1 range is covered by NAMED_LATIN1 below. */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", hellip: '\u2026', mdash: '\u2014', ndash: '\u2013',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201a', ldquo: '\u201c', rdquo: '\u201d', bdquo: '\u201e',
  bull: '\u2022', euro: '\u20ac', trade: '\u2122', dagger: '\u2020', Dagger: '\u2021', permil: '\u2030',
  lsaquo: '\u2039', rsaquo: '\u203a', thinsp: '\u2009', ensp: '\u2002', emsp: '\u2003', zwnj: '\u200c',
  zwj: '\u200d', lrm: '\u200e', rlm: '\u200f', OElig: '\u0152', oelig: '\u0153', Scaron: '\u0160',
  scaron: '\u0161', Yuml: '\u0178', fnof: '\u0192', circ: '\u02c6', tilde: '\u02dc', larr: '\u2190',
  rarr: '\u2192', uarr: '\u2191', darr: '\u2193', harr: '\u2194', minus: '\u2212', infin: '\u221e',
  ne: '\u2260', le: '\u2264', ge: '\u2265', asymp: '\u2248', prime: '\u2032', Prime: '\u2033', hearts: '\u2665',
};
// Code points 160..255 in order (ISO 8859-1 entity names from HTML 4).
const NAMED_LATIN1 = (
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 ' +
  'acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml ' +
  'Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde ' +
  'Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ' +
  'ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide ' +
  'oslash ugrave uacute ucirc uuml yacute thorn yuml'
).split(' ');
NAMED_LATIN1.forEach((name, i) => {
  NAMED[name] = String.fromCharCode(160 + i);
});

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/g, (whole, dec, hex, name) => {
    if (dec !== undefined || hex !== undefined) {
      const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex, 16);
      if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    }
    return Object.prototype.hasOwnProperty.call(NAMED, name) ? (NAMED[name] as string) : whole;
  });
}
