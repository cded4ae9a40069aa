import type { XmlElement } from '../../soap/xml-element.js';
import { SoapFault } from '../errors.js';
import { parseExtendedFieldUri, type ExtendedFieldUri } from '../extended-field.js';

/** Which folder properties a response carries (`m:FolderShape`). */
export interface FolderShape {
  fields: ReadonlySet<string>;
  extended: readonly ExtendedFieldUri[];
}

const BASE_SHAPES: Record<string, readonly string[]> = {
  IdOnly: ['FolderId'],
  Default: ['FolderId', 'DisplayName', 'TotalCount', 'ChildFolderCount', 'UnreadCount'],
  AllProperties: ['FolderId', 'ParentFolderId', 'FolderClass', 'DisplayName', 'TotalCount', 'ChildFolderCount', 'EffectiveRights', 'UnreadCount'],
};

/**
 * Reads a FolderShape. Unknown `folder:` fields are accepted and simply not returned: clients
 * such as exchangelib ask for everything they know and must not be refused.
 */
export function parseFolderShape(shape: XmlElement | undefined): FolderShape {
  const base = shape?.childText('BaseShape') ?? 'Default';
  const fields = BASE_SHAPES[base];
  if (!fields) throw SoapFault.schema(`The value '${base}' is not a valid BaseShape.`, shape?.line);
  const set = new Set(fields);
  const extended: ExtendedFieldUri[] = [];
  for (const p of shape?.child('AdditionalProperties')?.children ?? []) {
    if (p.name === 'FieldURI') {
      const uri = p.attr('FieldURI') ?? '';
      set.add(uri.slice(uri.indexOf(':') + 1));
    } else if (p.name === 'ExtendedFieldURI') {
      extended.push(parseExtendedFieldUri(p));
    }
  }
  return { fields: set, extended };
}

export const ID_ONLY_FOLDER_SHAPE: FolderShape = { fields: new Set(['FolderId']), extended: [] };
