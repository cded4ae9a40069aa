import type { Item } from '../../domain/item.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { evaluateRestriction } from '../restrictions/evaluate-restriction.js';
import { parseRestriction } from '../restrictions/parse-restriction.js';
import type { PropertyRef, PropertyValue } from '../restrictions/restriction.js';
import { extendedValue, fieldValue } from './item-values.js';

export type ItemFilter = (item: Item) => boolean;

/**
 * The filter of a FindItem: `m:QueryString` (every word must appear in the subject, the body or
 * an address, case-insensitively; AQS property syntax is not interpreted) and `t:Restriction`.
 */
export function parseItemFilter(request: XmlElement): ItemFilter | undefined {
  const filters: ItemFilter[] = [];
  const query = request.child('QueryString')?.text.trim();
  if (query) filters.push(queryStringFilter(query));
  const restrictionEl = request.child('Restriction');
  if (restrictionEl) {
    const restriction = parseRestriction(restrictionEl);
    filters.push((item) => evaluateRestriction(restriction, (ref) => itemProperty(item, ref)));
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

/** What the restriction engine sees of an item. Internet headers are indexed by name (`item:InternetMessageHeader`). */
function itemProperty(item: Item, ref: PropertyRef): PropertyValue | undefined {
  if (ref.kind === 'field') return fieldValue(item, ref.uri);
  if (ref.kind === 'extended') return extendedValue(item, ref.field);
  if (ref.uri === 'item:InternetMessageHeader') {
    const name = ref.index.toLowerCase();
    const values = item.props.internetMessageHeaders.filter((h) => h.name.toLowerCase() === name).map((h) => h.value);
    return values.length ? values : undefined;
  }
  return undefined;
}
