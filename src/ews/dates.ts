/** Dates leave as `YYYY-MM-DDTHH:MM:SSZ`: exchangelib drops values with fractions, DavMail wants exactly 20 characters. */
export function ewsDate(d: Date): string {
  return d.toISOString().slice(0, 19) + 'Z';
}

/**
 * Reads an xs:dateTime as clients send it: `Z`, an offset, 0-7 fractional digits, or no zone
 * at all (taken as UTC). Returns undefined for anything else.
 */
export function parseEwsDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${String(ms).padStart(3, '0')}${m[8] ?? 'Z'}`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
