import MailComposer from 'nodemailer/lib/mail-composer';

/** One message of the benchmark corpus: the exact bytes both servers receive, and what a store row needs. */
export interface CorpusMessage {
  index: number;
  raw: Buffer;
  subject: string;
  fromAddress: string;
  date: Date;
}

export interface Corpus {
  seed: number;
  messages: CorpusMessage[];
  totalBytes: number;
}

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same corpus on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Mixed scripts on purpose: subjects and names must travel as RFC 2047 encoded words.
const WORDS = (
  'meeting budget report draft review quarterly plan invoice project status update schedule team agenda notes ' +
  'release deadline customer proposal contract summary lunch travel Besprechung Übersicht Größe Grüße Straße ' +
  'réunion café élève déjà façon número año señal 会議 報告 予定 資料 встреча отчёт план бюджет 회의 보고서 ' +
  'Ελλάδα σύσκεψη'
).split(' ');
const NAMES = ['Alice Martin', 'Bob Stone', 'Zoë Faßbender', 'José Núñez', '山田 太郎', 'Ирина Петрова', 'Chloé Dubois', 'Ola Nordmann'];

/**
 * Generates `count` messages from `seed`. The size mix is what a real inbox looks like: mostly
 * 2-20 KB text or text+HTML, one in twelve with an attachment of 20-200 KB, one in fifty with an
 * attachment of 200 KB-1 MB. Every input to MailComposer (date, Message-ID, boundary) is fixed,
 * so a seed always yields the same bytes.
 */
export async function generateCorpus(count: number, seed = 20261123): Promise<Corpus> {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const paragraphs = (bytes: number) => {
    const out: string[] = [];
    let size = 0;
    while (size < bytes) {
      const p = words(int(20, 80)) + '.';
      out.push(p);
      size += Buffer.byteLength(p) + 2;
    }
    return out;
  };

  const messages: CorpusMessage[] = [];
  let totalBytes = 0;
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    const fromName = pick(NAMES);
    const fromAddress = `${fromName.split(' ')[0]!.normalize('NFD').replace(/[^a-z]/gi, '').toLowerCase() || 'user'}${int(1, 99)}@example.org`;
    const subject = `${words(int(3, 8))} #${i}`;
    const date = new Date(start + i * 60_000 + int(0, 59) * 1000);
    const body = paragraphs(int(400, 4_500));
    const withHtml = rnd() < 0.7;
    const attachment =
      i % 50 === 7 ? randomBytes(rnd, int(200_000, 1_000_000)) : i % 12 === 3 ? randomBytes(rnd, int(20_000, 200_000)) : undefined;
    const composer = new MailComposer({
      from: { name: fromName, address: fromAddress },
      to: [{ name: 'Bench User', address: 'bench@example.com' }],
      subject,
      date,
      messageId: `<bench-${seed}-${i}@example.org>`,
      baseBoundary: `bench${seed}x${i}`,
      text: body.join('\r\n\r\n'),
      ...(withHtml ? { html: `<html><body>${body.map((p) => `<p>${p}</p>`).join('\r\n')}</body></html>` } : {}),
      ...(attachment
        ? { attachments: [{ filename: rnd() < 0.5 ? `report-${i}.bin` : `Übersicht ${i}.pdf`, content: attachment, contentType: 'application/octet-stream' }] }
        : {}),
    });
    // IMAP servers store CRLF lines; a bare LF would come back changed and spoil the byte-for-byte check.
    const raw = toCrlf(await composer.compile().build());
    messages.push({ index: i, raw, subject, fromAddress, date });
    totalBytes += raw.length;
  }
  return { seed, messages, totalBytes };
}

function toCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return /(?<!\r)\n/.test(text) ? Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1') : raw;
}

function randomBytes(rnd: () => number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE(Math.floor(rnd() * 4294967296), Math.min(i, size - 4));
  return buf;
}
