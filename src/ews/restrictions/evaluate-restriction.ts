import { parseEwsDate } from '../dates.js';
import type { ComparisonOp, ContainmentComparison, ContainmentMode, PropertyAccessor, PropertyValue, Restriction } from './restriction.js';

/**
 * Evaluates a restriction against one object. Follows MAPI's rules, which Exchange applies:
 * a comparison on a property the object lacks is false (even IsNotEqualTo: clients that want
 * "missing or different" say `Or(IsNotEqualTo, Not(Exists))`), a multi-valued property matches
 * when any of its values does, and string comparisons ignore case.
 */
export function evaluateRestriction(r: Restriction, get: PropertyAccessor): boolean {
  switch (r.op) {
    case 'And':
      return r.children.every((c) => evaluateRestriction(c, get));
    case 'Or':
      return r.children.some((c) => evaluateRestriction(c, get));
    case 'Not':
      return !evaluateRestriction(r.child, get);
    case 'Exists':
      return get(r.property) !== undefined;
    case 'Excludes':
      return anyValue(get(r.property), (v) => typeof v === 'number' && Number.isInteger(v) && (BigInt(v) & BigInt(r.bitmask)) === 0n);
    case 'Contains':
      return anyValue(get(r.property), (v) => typeof v === 'string' && contains(v, r.constant, r.mode, r.comparison));
    default: {
      const left = get(r.property);
      const right = r.operand.kind === 'constant' ? r.operand.value : get(r.operand);
      if (right === undefined || Array.isArray(right)) return false;
      const op = r.op;
      return anyValue(left, (v) => {
        const order = compare(v, right as Scalar);
        return order !== undefined && holds(op, order);
      });
    }
  }
}

type Scalar = string | number | boolean | Date;

function anyValue(value: PropertyValue | undefined, test: (v: Scalar) => boolean): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return (value as readonly Scalar[]).some(test);
  return test(value as Scalar);
}

function holds(op: ComparisonOp, order: number): boolean {
  switch (op) {
    case 'IsEqualTo': return order === 0;
    case 'IsNotEqualTo': return order !== 0;
    case 'IsGreaterThan': return order > 0;
    case 'IsGreaterThanOrEqualTo': return order >= 0;
    case 'IsLessThan': return order < 0;
    case 'IsLessThanOrEqualTo': return order <= 0;
  }
}

/** Exchange's default string collation: case-insensitive, accent-sensitive. */
const COLLATOR = new Intl.Collator('en', { sensitivity: 'accent' });

/**
 * Orders the property value against the other operand, read in the property's type.
 * `undefined` when the operand cannot be read as that type (a comparison that cannot hold).
 */
function compare(left: Scalar, right: Scalar): number | undefined {
  if (typeof left === 'number') {
    const r = typeof right === 'number' ? right : typeof right === 'string' && right.trim() !== '' ? Number(right) : NaN;
    return Number.isNaN(r) ? undefined : Math.sign(left - r);
  }
  if (typeof left === 'boolean') {
    const r = typeof right === 'boolean' ? right : toBoolean(String(right));
    return r === undefined ? undefined : Number(left) - Number(r);
  }
  if (left instanceof Date) {
    const r = right instanceof Date ? right : typeof right === 'string' ? parseEwsDate(right) : undefined;
    return r === undefined ? undefined : Math.sign(left.getTime() - r.getTime());
  }
  const r = right instanceof Date ? right.toISOString() : String(right);
  return Math.sign(COLLATOR.compare(left, r));
}

function toBoolean(s: string): boolean | undefined {
  const t = s.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

function contains(value: string, constant: string, mode: ContainmentMode, comparison: ContainmentComparison): boolean {
  const v = fold(value, comparison);
  const c = fold(constant, comparison);
  switch (mode) {
    case 'FullString': return v === c;
    case 'Prefixed': return v.startsWith(c);
    case 'Substring': return v.includes(c);
    case 'PrefixOnWords': return occurrences(v, c).some((i) => startsWord(v, i));
    case 'ExactPhrase': return occurrences(v, c).some((i) => startsWord(v, i) && endsWord(v, i + c.length));
  }
}

/** Applies the ContainmentComparison's foldings; "Loose" also folds compatibility forms (full-width letters and the like). */
function fold(s: string, comparison: ContainmentComparison): string {
  let out = s;
  if (comparison.startsWith('Loose')) out = out.normalize('NFKC');
  if (comparison.includes('NonSpac') || comparison.includes('NonSpace')) out = out.normalize('NFD').replace(/\p{Mn}/gu, '').normalize('NFC');
  if (comparison.includes('IgnoreCase')) out = out.toLowerCase();
  return out;
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  if (needle === '') return [0];
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) found.push(i);
  return found;
}

const WORD = /[\p{L}\p{N}_]/u;

function startsWord(s: string, i: number): boolean {
  return i === 0 || !WORD.test(s[i - 1]!);
}

function endsWord(s: string, end: number): boolean {
  return end >= s.length || !WORD.test(s[end]!);
}
