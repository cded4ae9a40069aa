import { itemFromMime, type MimeItem } from '../../items/mime-mapping.js';
import { MimeParseError } from '../../mime/parse-mime.js';
import { EwsError } from '../errors.js';

export { composeAttached, composeItemMime } from '../../items/mime-mapping.js';

/** {@link itemFromMime} with MIME that cannot be read failing the one item (ErrorMimeContentConversionFailed). */
export async function itemFromMimeContent(raw: Buffer, depth = 0): Promise<MimeItem> {
  try {
    return await itemFromMime(raw, depth);
  } catch (err) {
    if (err instanceof MimeParseError) throw new EwsError('ErrorMimeContentConversionFailed', err.message);
    throw err;
  }
}
