import type { Item } from '../../domain/item.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { EwsError } from '../errors.js';

export type ItemFilter = (item: Item) => boolean;

/**
 * The filter of a FindItem: `m:QueryString` (every word must appear in the subject, the body or
 * an address, case-insensitively; AQS property syntax is not interpreted) and `t:Restriction`.
 */
export function parseItemFilter(request: XmlElement): ItemFilter | undefined {
  const filters: ItemFilter[] = [];
  const query = request.child('QueryString')?.text.trim();
  if (query) filters.push(queryStringFilter(query));
  if (request.child('Restriction')) {
    throw new EwsError('ErrorUnsupportedQueryFilter', 'Restrictions on items are not supported by this server yet.');
  }
  if (filters.length === 0) return undefined;
  return (item) => filters.every((f) => f(item));
}

function queryStringFilter(query: string): ItemFilter {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/^"|"$/g, ''))
    .filter((w) => w !== '' && w !== 'and');
  return (item) => {
    const p = item.props;
    const haystack = [
      p.subject ?? '',
      p.body?.content ?? '',
      ...[p.from, p.sender, ...p.to, ...p.cc, ...p.bcc].flatMap((a) => (a ? [a.name ?? '', a.address ?? ''] : [])),
    ]
      .join('\n')
      .toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
}
