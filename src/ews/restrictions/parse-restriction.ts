import type { XmlElement } from '../../soap/xml-element.js';
import { SoapFault } from '../errors.js';
import { parseExtendedFieldUri } from '../extended-field.js';
import {
  COMPARISON_OPS,
  CONTAINMENT_COMPARISONS,
  CONTAINMENT_MODES,
  type ComparisonOp,
  type ContainmentComparison,
  type ContainmentMode,
  type Operand,
  type PropertyRef,
  type Restriction,
} from './restriction.js';

/** Nesting beyond this is refused: a hostile request must not exhaust the stack. */
const MAX_DEPTH = 64;

const PATHS = new Set(['FieldURI', 'IndexedFieldURI', 'ExtendedFieldURI', 'Path']);

/**
 * Parses `t:Restriction` (the element itself) into a {@link Restriction}. Problems with the
 * request's shape are schema faults, as Exchange answers them.
 */
export function parseRestriction(restriction: XmlElement): Restriction {
  const expressions = restriction.children.filter((c) => c.isEws);
  if (expressions.length !== 1) throw SoapFault.schema("The element 'Restriction' must contain exactly one search expression.", restriction.line);
  return parseExpression(expressions[0]!, 0);
}

function parseExpression(el: XmlElement, depth: number): Restriction {
  if (depth > MAX_DEPTH) throw SoapFault.schema('The restriction is nested too deeply.', el.line);
  const name = el.name;
  if (COMPARISON_OPS.has(name)) {
    const operandEl = el.child('FieldURIOrConstant');
    if (!operandEl) throw SoapFault.schema(`The element '${name}' lacks 'FieldURIOrConstant'.`, el.line);
    return { op: name as ComparisonOp, property: parsePath(pathChild(el), el), operand: parseOperand(operandEl) };
  }
  switch (name) {
    case 'Exists':
      return { op: 'Exists', property: parsePath(pathChild(el), el) };
    case 'Contains': {
      const constant = el.child('Constant')?.attr('Value');
      if (constant === undefined) throw SoapFault.schema("The element 'Contains' lacks 'Constant' with a 'Value'.", el.line);
      return {
        op: 'Contains',
        property: parsePath(pathChild(el), el),
        constant,
        mode: enumAttr(el, 'ContainmentMode', CONTAINMENT_MODES, 'FullString') as ContainmentMode,
        comparison: enumAttr(el, 'ContainmentComparison', CONTAINMENT_COMPARISONS, 'Exact') as ContainmentComparison,
      };
    }
    case 'Excludes': {
      const raw = el.child('Bitmask')?.attr('Value');
      const bitmask = raw === undefined ? NaN : parseBitmask(raw);
      if (!Number.isSafeInteger(bitmask)) throw SoapFault.schema(`The element 'Excludes' needs a 'Bitmask' with a numeric 'Value'.`, el.line);
      return { op: 'Excludes', property: parsePath(pathChild(el), el), bitmask };
    }
    case 'Not': {
      const inner = el.children.filter((c) => c.isEws);
      if (inner.length !== 1) throw SoapFault.schema("The element 'Not' must contain exactly one search expression.", el.line);
      return { op: 'Not', child: parseExpression(inner[0]!, depth + 1) };
    }
    case 'And':
    case 'Or': {
      const children = el.children.filter((c) => c.isEws).map((c) => parseExpression(c, depth + 1));
      if (children.length === 0) throw SoapFault.schema(`The element '${name}' must contain at least one search expression.`, el.line);
      return { op: name, children };
    }
    default:
      throw SoapFault.schema(`The element '${name}' is not a supported search expression.`, el.line);
  }
}

function pathChild(el: XmlElement): XmlElement | undefined {
  return el.children.find((c) => c.isEws && PATHS.has(c.name));
}

/** Reads a path element; `t:Path xsi:type="t:PathToUnindexedFieldType"` is the long spelling of `t:FieldURI`. */
export function parsePath(path: XmlElement | undefined, owner: XmlElement): PropertyRef {
  if (!path) throw SoapFault.schema(`The element '${owner.name}' lacks a property path.`, owner.line);
  const kind = path.name === 'Path' ? pathKind(path.xsiType) : path.name;
  switch (kind) {
    case 'FieldURI':
      return { kind: 'field', uri: requiredAttr(path, 'FieldURI') };
    case 'IndexedFieldURI':
      return { kind: 'indexed', uri: requiredAttr(path, 'FieldURI'), index: requiredAttr(path, 'FieldIndex') };
    case 'ExtendedFieldURI':
      return { kind: 'extended', field: parseExtendedFieldUri(path) };
    default:
      throw SoapFault.schema(`The element '${path.name}' is not a property path.`, path.line);
  }
}

function pathKind(xsiType: string | undefined): string {
  if (xsiType === 'PathToUnindexedFieldType') return 'FieldURI';
  if (xsiType === 'PathToIndexedFieldType') return 'IndexedFieldURI';
  if (xsiType === 'PathToExtendedFieldType') return 'ExtendedFieldURI';
  return xsiType ?? '';
}

function parseOperand(el: XmlElement): Operand {
  const constant = el.child('Constant');
  if (constant) {
    const value = constant.attr('Value');
    if (value === undefined) throw SoapFault.schema("The required attribute 'Value' is missing.", constant.line);
    return { kind: 'constant', value };
  }
  return parsePath(pathChild(el), el);
}

function requiredAttr(el: XmlElement, name: string): string {
  const v = el.attr(name);
  if (v === undefined) throw SoapFault.schema(`The required attribute '${name}' is missing.`, el.line);
  return v;
}

function enumAttr(el: XmlElement, name: string, allowed: ReadonlySet<string>, fallback: string): string {
  const v = el.attr(name);
  if (v === undefined) return fallback;
  if (!allowed.has(v)) throw SoapFault.schema(`The value '${v}' is not valid for attribute '${name}'.`, el.line);
  return v;
}

/** ExcludesAttributeType: decimal or `0x` hex. */
function parseBitmask(raw: string): number {
  const s = raw.trim();
  if (/^0x[0-9a-f]{1,13}$/i.test(s)) return parseInt(s.slice(2), 16);
  if (/^\d{1,15}$/.test(s)) return Number(s);
  return NaN;
}
