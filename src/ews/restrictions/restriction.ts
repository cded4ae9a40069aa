import type { ExtendedFieldUri } from '../extended-field.js';

/**
 * A parsed `t:Restriction`: a typed search-expression tree, free of XML. FindFolder uses it over
 * folders and FindItem over items; both supply their own property accessor to the evaluator.
 */

/** The property a search expression looks at (`t:FieldURI`, `t:IndexedFieldURI`, `t:ExtendedFieldURI`). */
export type PropertyRef =
  | { kind: 'field'; uri: string }
  | { kind: 'indexed'; uri: string; index: string }
  | { kind: 'extended'; field: ExtendedFieldUri };

/** The right-hand side of a comparison: a constant as the client wrote it, or another property. */
export type Operand = { kind: 'constant'; value: string } | PropertyRef;

export type ComparisonOp = 'IsEqualTo' | 'IsNotEqualTo' | 'IsGreaterThan' | 'IsGreaterThanOrEqualTo' | 'IsLessThan' | 'IsLessThanOrEqualTo';

export const COMPARISON_OPS: ReadonlySet<string> = new Set<ComparisonOp>([
  'IsEqualTo', 'IsNotEqualTo', 'IsGreaterThan', 'IsGreaterThanOrEqualTo', 'IsLessThan', 'IsLessThanOrEqualTo',
]);

export type ContainmentMode = 'FullString' | 'Prefixed' | 'Substring' | 'PrefixOnWords' | 'ExactPhrase';

export const CONTAINMENT_MODES: ReadonlySet<string> = new Set<ContainmentMode>(['FullString', 'Prefixed', 'Substring', 'PrefixOnWords', 'ExactPhrase']);

export type ContainmentComparison =
  | 'Exact'
  | 'IgnoreCase'
  | 'IgnoreNonSpacingCharacters'
  | 'Loose'
  | 'IgnoreCaseAndNonSpacingCharacters'
  | 'LooseAndIgnoreCase'
  | 'LooseAndIgnoreNonSpace'
  | 'LooseAndIgnoreCaseAndIgnoreNonSpace';

export const CONTAINMENT_COMPARISONS: ReadonlySet<string> = new Set<ContainmentComparison>([
  'Exact', 'IgnoreCase', 'IgnoreNonSpacingCharacters', 'Loose', 'IgnoreCaseAndNonSpacingCharacters',
  'LooseAndIgnoreCase', 'LooseAndIgnoreNonSpace', 'LooseAndIgnoreCaseAndIgnoreNonSpace',
]);

export type Restriction =
  | { op: ComparisonOp; property: PropertyRef; operand: Operand }
  | { op: 'Contains'; property: PropertyRef; constant: string; mode: ContainmentMode; comparison: ContainmentComparison }
  | { op: 'Excludes'; property: PropertyRef; bitmask: number }
  | { op: 'Exists'; property: PropertyRef }
  | { op: 'And' | 'Or'; children: Restriction[] }
  | { op: 'Not'; child: Restriction };

/**
 * A property's value as the evaluator sees it. Arrays are multi-valued properties (categories,
 * recipients): a comparison holds when it holds for any element, as in MAPI.
 */
export type PropertyValue = string | number | boolean | Date | readonly string[] | readonly number[];

/** Reads one property of the object under test; `undefined` when the object does not have it. */
export type PropertyAccessor = (ref: PropertyRef) => PropertyValue | undefined;
