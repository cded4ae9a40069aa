import type { Item } from '../../domain/item.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { evaluateRestriction } from '../restrictions/evaluate-restriction.js';
import { parseRestriction } from '../restrictions/parse-restriction.js';
import type { PropertyRef, PropertyValue, Restriction } from '../restrictions/restriction.js';
import { extendedValue, fieldValue } from './item-values.js';

/**
 * Whether an item passes. `readsContent`: it looks at the body or the Internet message headers,
 * which a listing leaves out of the items it reads (a body kept inside the MIME costs a decode).
 */
export type ItemFilter = ((item: Item) => boolean) & { readonly readsContent: boolean };

/**
 * The filter of a FindItem: `m:QueryString` (every word must appear in the subject, the body or
 * an address, case-insensitively; AQS property syntax is not interpreted) and `t:Restriction`.
 */
export function parseItemFilter(request: XmlElement): ItemFilter | undefined {
  const filters: Array<(item: Item) => boolean> = [];
  let readsContent = false;
  const query = request.child('QueryString')?.text.trim();
  if (query) {
    filters.push(queryStringFilter(query));
    readsContent = true;
  }
  const restrictionEl = request.child('Restriction');
  if (restrictionEl) {
    const restriction = parseRestriction(restrictionEl);
    filters.push((item) => evaluateRestriction(restriction, (ref) => itemProperty(item, ref)));
    readsContent ||= refersTo(restriction, isContent);
  }
  if (filters.length === 0) return undefined;
  return Object.assign((item: Item) => filters.every((f) => f(item)), { readsContent });
}

/** The properties {@link itemProperty} reads from the body or the Internet message headers. */
function isContent(ref: PropertyRef): boolean {
  return (ref.kind === 'field' && ref.uri === 'item:Body') || (ref.kind === 'indexed' && ref.uri === 'item:InternetMessageHeader');
}

function refersTo(r: Restriction, test: (ref: PropertyRef) => boolean): boolean {
  switch (r.op) {
    case 'And':
    case 'Or':
      return r.children.some((c) => refersTo(c, test));
    case 'Not':
      return refersTo(r.child, test);
    case 'Exists':
    case 'Excludes':
    case 'Contains':
      return test(r.property);
    default:
      return test(r.property) || (r.operand.kind !== 'constant' && test(r.operand));
  }
}

function queryStringFilter(query: string): (item: Item) => boolean {
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
