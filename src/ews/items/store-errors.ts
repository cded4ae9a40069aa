import { StoreError } from '../../store/store.js';
import { EwsError } from '../errors.js';

/** Maps a store refusal of one batch entry to its EWS error; anything else is rethrown (internal error). */
export function storeFailure(error: unknown, notFound = 'ErrorItemNotFound'): EwsError {
  if (error instanceof EwsError) return error;
  if (error instanceof StoreError) {
    if (error.kind === 'not-found') return new EwsError(notFound);
    return new EwsError('ErrorInvalidOperation', error.message);
  }
  throw error;
}
