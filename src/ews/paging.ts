import type { XmlElement } from '../soap/xml-element.js';
import { SoapFault } from './errors.js';

/**
 * The paging views of FindFolder and FindItem (`IndexedPage*View`, `FractionalPage*View`),
 * applied to a result list that is already filtered and sorted.
 */
export type PageView =
  | { kind: 'all' }
  | { kind: 'indexed'; max: number | undefined; offset: number; basePoint: 'Beginning' | 'End' }
  | { kind: 'fractional'; max: number | undefined; numerator: number; denominator: number };

/** Where a page lies in its result list, and the `m:RootFolder` paging attributes that describe it. */
export interface Page {
  start: number;
  end: number;
  attrs: Record<string, string | number | boolean | undefined>;
}

/** Reads whichever of the two view elements (by local name) the request carries. */
export function parsePageView(request: XmlElement, indexedName: string, fractionalName: string): PageView {
  const indexed = request.child(indexedName);
  if (indexed) {
    const basePoint = indexed.attr('BasePoint');
    if (basePoint !== 'Beginning' && basePoint !== 'End') throw SoapFault.schema(`The value '${basePoint ?? ''}' is not a valid BasePoint.`, indexed.line);
    return { kind: 'indexed', max: maxEntries(indexed), offset: intAttr(indexed, 'Offset', 0), basePoint };
  }
  const fractional = request.child(fractionalName);
  if (fractional) {
    const numerator = intAttr(fractional, 'Numerator', 0);
    const denominator = intAttr(fractional, 'Denominator', 1);
    if (numerator > denominator) throw SoapFault.schema('The Numerator of a fractional page view must not exceed its Denominator.', fractional.line);
    return { kind: 'fractional', max: maxEntries(fractional), numerator, denominator };
  }
  return { kind: 'all' };
}

/**
 * Picks the page out of `total` results. IndexedPagingOffset and IncludesLastItemInRange are
 * always sent: exchangelib guesses when the offset is missing and DavMail pages until
 * IncludesLastItemInRange is true.
 */
export function pageOf(view: PageView, total: number): Page {
  if (view.kind === 'all') return { start: 0, end: total, attrs: indexedAttrs(total, total, true) };
  if (view.kind === 'indexed') {
    const max = view.max ?? total;
    if (view.basePoint === 'Beginning') {
      const start = Math.min(view.offset, total);
      const end = Math.min(start + max, total);
      return { start, end, attrs: indexedAttrs(end, total, end >= total) };
    }
    // Counted back from the end: the page ends `offset` items before the last one.
    const end = Math.max(total - view.offset, 0);
    const start = Math.max(end - max, 0);
    return { start, end, attrs: indexedAttrs(view.offset + (end - start), total, start === 0) };
  }
  const start = Math.min(Math.floor((total * view.numerator) / view.denominator), total);
  const end = Math.min(start + (view.max ?? total), total);
  return {
    start,
    end,
    attrs: { IndexedPagingOffset: end, NumeratorOffset: end, AbsoluteDenominator: total, IncludesLastItemInRange: end >= total, TotalItemsInView: total },
  };
}

function indexedAttrs(next: number, total: number, last: boolean): Page['attrs'] {
  return { IndexedPagingOffset: next, IncludesLastItemInRange: last, TotalItemsInView: total };
}

function maxEntries(el: XmlElement): number | undefined {
  if (el.attr('MaxEntriesReturned') === undefined) return undefined;
  const n = intAttr(el, 'MaxEntriesReturned', 0);
  if (n < 1) throw SoapFault.schema('MaxEntriesReturned must be at least 1.', el.line);
  return n;
}

function intAttr(el: XmlElement, name: string, fallback: number): number {
  const raw = el.attr(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (!/^\s*[+]?\d{1,10}\s*$/.test(raw) || n > 0x7fffffff) throw SoapFault.schema(`The value '${raw}' of attribute '${name}' is not a valid non-negative integer.`, el.line);
  return n;
}
