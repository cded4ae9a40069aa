import type { XmlElement } from '../../soap/xml-element.js';
import type { ItemSortColumn } from '../../store/store.js';
import { EwsError, SoapFault } from '../errors.js';
import { parseExtendedFieldUri, type ExtendedFieldUri } from '../extended-field.js';
import { extendedValue, fieldValue, type ItemValue } from './item-values.js';
import type { Item } from '../../domain/item.js';

/** At most this many items per FindItem page, whatever the client asks. */
export const MAX_PAGE = 1000;

export type PageView =
  | { kind: 'indexed'; max: number; offset: number; fromEnd: boolean }
  | { kind: 'fractional'; max: number; numerator: number; denominator: number }
  | { kind: 'none'; max: number };

export function parsePageView(request: XmlElement): PageView {
  const indexed = request.child('IndexedPageItemView');
  if (indexed) {
    const offset = Number(indexed.attr('Offset') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) throw new EwsError('ErrorInvalidIndexedPagingParameters');
    const basePoint = indexed.attr('BasePoint') ?? 'Beginning';
    if (basePoint !== 'Beginning' && basePoint !== 'End') throw SoapFault.schema(`The BasePoint '${basePoint}' is invalid.`, indexed.line);
    return { kind: 'indexed', max: maxEntries(indexed), offset, fromEnd: basePoint === 'End' };
  }
  const fractional = request.child('FractionalPageItemView');
  if (fractional) {
    const numerator = Number(fractional.attr('Numerator'));
    const denominator = Number(fractional.attr('Denominator'));
    if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || denominator <= 0 || numerator < 0 || numerator > denominator) {
      throw new EwsError('ErrorInvalidFractionalPagingParameters');
    }
    return { kind: 'fractional', max: maxEntries(fractional), numerator, denominator };
  }
  return { kind: 'none', max: MAX_PAGE };
}

function maxEntries(view: XmlElement): number {
  const raw = view.attr('MaxEntriesReturned');
  if (raw === undefined) return MAX_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new EwsError('ErrorInvalidPagingMaxRows');
  return Math.min(n, MAX_PAGE);
}

/** The window of a view over `total` items, and the paging attributes to answer with. */
export function pageWindow(view: PageView, total: number): { start: number; count: number; attrs: (returned: number) => Record<string, string | number> } {
  if (view.kind === 'fractional') {
    const start = Math.min(Math.floor((total * view.numerator) / view.denominator), total);
    const count = Math.min(view.max, total - start);
    return {
      start,
      count,
      attrs: (n) => ({ NumeratorOffset: start + n, AbsoluteDenominator: total, IncludesLastItemInRange: String(start + n >= total), TotalItemsInView: total }),
    };
  }
  const offset = view.kind === 'indexed' ? view.offset : 0;
  if (view.kind === 'indexed' && view.fromEnd) {
    const end = Math.max(total - offset, 0);
    const start = Math.max(end - view.max, 0);
    return {
      start,
      count: end - start,
      attrs: (n) => ({ IndexedPagingOffset: offset + n, TotalItemsInView: total, IncludesLastItemInRange: String(start === 0) }),
    };
  }
  const start = Math.min(offset, total);
  const count = Math.min(view.max, total - start);
  return {
    start,
    count,
    attrs: (n) => ({ IndexedPagingOffset: start + n, TotalItemsInView: total, IncludesLastItemInRange: String(start + n >= total) }),
  };
}

export type SortPath = { kind: 'field'; uri: string } | { kind: 'extended'; field: ExtendedFieldUri };

export interface SortKey {
  path: SortPath;
  descending: boolean;
  /** The store column that orders the same way, when there is one. */
  column?: ItemSortColumn;
}

const FIELD_COLUMNS: Record<string, ItemSortColumn> = {
  'item:DateTimeReceived': 'received',
  'item:Subject': 'subject',
  'item:Size': 'size',
  'message:IsRead': 'read',
  'item:ItemClass': 'class',
  'item:DateTimeCreated': 'created',
  'item:LastModifiedTime': 'modified',
  'item:Importance': 'importance',
};

const TAG_COLUMNS: Record<number, ItemSortColumn> = { 0x0e23: 'uid', 0x0e08: 'size', 0x0e06: 'received', 0x3008: 'modified', 0x3007: 'created' };

export function parseSortOrder(el: XmlElement | undefined): SortKey[] {
  const keys: SortKey[] = [];
  for (const order of el?.all('FieldOrder') ?? []) {
    const direction = order.attr('Order') ?? 'Ascending';
    if (direction !== 'Ascending' && direction !== 'Descending') throw SoapFault.schema(`The Order '${direction}' is invalid.`, order.line);
    const pathEl = order.children.find((c) => c.name === 'FieldURI' || c.name === 'ExtendedFieldURI' || c.name === 'IndexedFieldURI');
    if (!pathEl) throw SoapFault.schema("The element 'FieldOrder' requires a property path.", order.line);
    if (pathEl.name === 'IndexedFieldURI') throw new EwsError('ErrorUnsupportedPathForSortGroup');
    const descending = direction === 'Descending';
    if (pathEl.name === 'ExtendedFieldURI') {
      const field = parseExtendedFieldUri(pathEl);
      const column = field.propertyTag !== undefined ? TAG_COLUMNS[field.propertyTag] : undefined;
      keys.push({ path: { kind: 'extended', field }, descending, ...(column ? { column } : {}) });
    } else {
      const uri = pathEl.attr('FieldURI') ?? '';
      const column = FIELD_COLUMNS[uri];
      keys.push({ path: { kind: 'field', uri }, descending, ...(column ? { column } : {}) });
    }
  }
  return keys;
}

/** Exchange lists newest first unless told otherwise. */
export const DEFAULT_SORT: SortKey[] = [{ path: { kind: 'field', uri: 'item:DateTimeReceived' }, descending: true, column: 'received' }];

export function sortValue(item: Item, path: SortPath): ItemValue | undefined {
  return path.kind === 'field' ? fieldValue(item, path.uri) : extendedValue(item, path.field);
}

const COLLATOR = new Intl.Collator('en', { sensitivity: 'accent' });

/** In-memory order for keys the store cannot sort by; items lacking the property sort first. */
export function compareItems(keys: readonly SortKey[]): (a: Item, b: Item) => number {
  return (a, b) => {
    for (const k of keys) {
      const c = compareValues(sortValue(a, k.path), sortValue(b, k.path));
      if (c !== 0) return k.descending ? -c : c;
    }
    return a.id - b.id;
  };
}

function compareValues(a: ItemValue | undefined, b: ItemValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const x = Array.isArray(a) ? (a[0] ?? '') : a;
  const y = Array.isArray(b) ? (b[0] ?? '') : b;
  if (x instanceof Date && y instanceof Date) return Math.sign(x.getTime() - y.getTime());
  if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  return COLLATOR.compare(String(x), String(y));
}
