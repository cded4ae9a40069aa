import type { ExtendedProperty, Item, MessageProps } from '../../domain/item.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { ItemPatch, ReadFlagState } from '../../store/store.js';
import { EwsError, SoapFault } from '../errors.js';
import { extendedFieldKey, parseExtendedFieldUri } from '../extended-field.js';
import { decodeChangeKey } from '../ids.js';
import { parseExtendedProperty } from './extended-props.js';
import { READ_ONLY_FIELDS, WRITABLE_FIELDS, type FieldSpec } from './item-fields.js';
import { applyMappedProperty, isComputedTag } from './mapi-props.js';

export type ConflictResolution = 'NeverOverwrite' | 'AutoResolve' | 'AlwaysOverwrite';

/** One parsed SetItemField / AppendToItemField / DeleteItemField. */
type FieldChange =
  | { kind: 'set' | 'append'; spec: FieldSpec; value: XmlElement }
  | { kind: 'delete'; spec: FieldSpec }
  | { kind: 'set-extended'; prop: ExtendedProperty }
  | { kind: 'delete-extended'; key: string; tag: number | undefined };

/** Fields whose change leaves the original MIME intact (flags and client bookkeeping). */
const OUTSIDE_MIME = new Set(['message:IsRead', 'item:Categories']);

const ACTIONS: Record<string, 'set' | 'append' | 'delete'> = { SetItemField: 'set', AppendToItemField: 'append', DeleteItemField: 'delete' };
const ACTION_ERROR = { set: 'ErrorInvalidPropertySet', append: 'ErrorInvalidPropertyAppend', delete: 'ErrorInvalidPropertyDelete' } as const;

/** Reads the `t:Updates` of one ItemChange; a field that cannot be written fails this item. */
export function parseUpdates(updates: XmlElement | undefined): FieldChange[] {
  if (!updates) throw SoapFault.schema("The element 'ItemChange' requires 'Updates'.");
  const out: FieldChange[] = [];
  for (const u of updates.children) {
    const action = ACTIONS[u.name];
    if (!action) throw SoapFault.schema(`The element '${u.name}' is not a valid item update.`, u.line);
    const path = u.children.find((c) => c.name === 'FieldURI' || c.name === 'IndexedFieldURI' || c.name === 'ExtendedFieldURI');
    if (!path) throw SoapFault.schema(`The element '${u.name}' requires a property path.`, u.line);
    const value = action === 'delete' ? undefined : u.children.find((c) => c !== path);
    if (action !== 'delete' && !value) throw SoapFault.schema(`The element '${u.name}' requires an item holding the new value.`, u.line);
    if (path.name === 'ExtendedFieldURI') {
      if (action === 'append') throw new EwsError('ErrorInvalidPropertyAppend');
      if (action === 'delete') {
        const uri = parseExtendedFieldUri(path);
        out.push({ kind: 'delete-extended', key: extendedFieldKey(uri), tag: uri.propertyTag });
        continue;
      }
      const props = value!.all('ExtendedProperty');
      if (props.length !== 1) throw new EwsError('ErrorIncorrectUpdatePropertyCount');
      out.push({ kind: 'set-extended', prop: parseExtendedProperty(props[0]!) });
      continue;
    }
    const uri = path.attr('FieldURI') ?? '';
    const spec = path.name === 'FieldURI' ? WRITABLE_FIELDS.get(uri) : undefined;
    const allowed = spec && (action === 'set' || (action === 'append' ? spec.append : spec.delete));
    if (!spec || !allowed) {
      const known = READ_ONLY_FIELDS.has(uri) || spec;
      throw new EwsError(ACTION_ERROR[action], known ? `The property ${uri} cannot be changed that way.` : `The property ${uri || path.name} cannot be written on a message.`);
    }
    if (action === 'delete') {
      out.push({ kind: 'delete', spec });
      continue;
    }
    const el = value!.child(spec.element);
    if (!el || value!.children.length !== 1) throw new EwsError('ErrorIncorrectUpdatePropertyCount');
    out.push({ kind: action, spec, value: el });
  }
  return out;
}

/** The identity of a change for per-field versions and conflict detection. */
function changeKeyOf(c: FieldChange): string {
  return c.kind === 'set-extended' ? c.prop.key : c.kind === 'delete-extended' ? c.key : c.spec.uri;
}

/**
 * The ChangeKey check of `mode` (see applyChanges) against the item's current version; throws
 * ErrorInvalidChangeKey or ErrorIrresolvableConflict.
 */
export function checkChangeKey(current: ReadFlagState, changes: readonly FieldChange[], changeKey: string | undefined, mode: ConflictResolution): void {
  if (mode === 'AlwaysOverwrite' || changeKey === undefined) return;
  const seen = decodeChangeKey(changeKey, 'I');
  if (seen === undefined) throw new EwsError('ErrorInvalidChangeKey');
  if (seen === current.modseq) return;
  const collides = mode === 'NeverOverwrite' || seen > current.modseq || changes.some((c) => current.fieldVersion(changeKeyOf(c)) > seen);
  if (collides) throw new EwsError('ErrorIrresolvableConflict');
}

/**
 * When the changes are exactly one SetItemField of message:IsRead (what mail clients send when a
 * message is opened or marked), the new value's element: such a change can take the store's
 * narrow read-flag path (Store.setReadFlags).
 */
export function readFlagOnly(changes: readonly FieldChange[]): XmlElement | undefined {
  const [c] = changes;
  return changes.length === 1 && c!.kind === 'set' && c!.spec.uri === 'message:IsRead' && !c!.spec.draftOnly ? c!.value : undefined;
}

/** The new IsRead of a {@link readFlagOnly} change; a value that is no boolean fails as applyChanges would. */
export function readFlagValue(value: XmlElement): boolean {
  const props = { isRead: false } as MessageProps;
  WRITABLE_FIELDS.get('message:IsRead')!.set(props, value);
  return props.isRead;
}

/**
 * Applies changes to the current state, after the ChangeKey check of `mode`:
 * - AlwaysOverwrite: the ChangeKey is not looked at (DavMail sends folder keys).
 * - NeverOverwrite: any key other than the current one is ErrorIrresolvableConflict.
 * - AutoResolve: a stale key conflicts only when a field being changed was itself changed after
 *   the version the key names; otherwise the change applies (ConflictResults/Count stays 0).
 * A missing ChangeKey is taken as the current version.
 */
export function applyChanges(current: Item, changes: readonly FieldChange[], changeKey: string | undefined, mode: ConflictResolution): ItemPatch {
  checkChangeKey({ modseq: current.modseq, fieldVersion: (field) => current.fieldVersions[field] ?? 0 }, changes, changeKey, mode);
  const props: MessageProps = structuredClone(current.props);
  let dropMime = false;
  for (const c of changes) {
    if (c.kind === 'set-extended') {
      if (!applyMappedProperty(props, c.prop)) props.extended = [...props.extended.filter((e) => e.key !== c.prop.key), c.prop];
      continue;
    }
    if (c.kind === 'delete-extended') {
      if (isComputedTag(c.tag)) throw new EwsError('ErrorInvalidPropertyDelete', `The property 0x${c.tag!.toString(16)} cannot be deleted.`);
      props.extended = props.extended.filter((e) => e.key !== c.key);
      continue;
    }
    if (c.spec.draftOnly && !current.props.isDraft) throw new EwsError('ErrorInvalidPropertyUpdateSentMessage');
    if (c.kind === 'set') c.spec.set(props, c.value);
    else if (c.kind === 'append') c.spec.append!(props, c.value);
    else c.spec.delete!(props);
    if (!OUTSIDE_MIME.has(c.spec.uri)) dropMime = true;
  }
  return { props, changedFields: changes.map(changeKeyOf), dropMime };
}
