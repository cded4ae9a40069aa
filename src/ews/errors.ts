/**
 * The two error channels of EWS:
 * - {@link EwsError}: one item of a batch failed; it becomes that item's ResponseMessage.
 * - {@link SoapFault}: the request as a whole is unusable; it becomes a SOAP fault (HTTP 500).
 */

/** The MessageText Exchange sends with each ResponseCode we use. */
const MESSAGE_TEXT: Record<string, string> = {
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
  ErrorCannotDeleteObject: 'The object cannot be deleted.',
  ErrorCrossMailboxMoveCopy: 'Cannot move or copy between mailboxes.',
  ErrorDeleteDistinguishedFolder: 'Distinguished folders cannot be deleted.',
  ErrorFolderExists: 'A folder with the specified name already exists.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorIncorrectUpdatePropertyCount: 'An object within a change description must contain one and only one property to modify.',
  ErrorInternalServerError: 'An internal server error occurred. The operation failed.',
  ErrorInvalidChangeKey: 'The change key is invalid.',
  ErrorInvalidIdEmpty: 'Id must be non-empty.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorInvalidOperation: 'The operation is invalid.',
  ErrorInvalidExtendedPropertyValue: 'The extended property value is invalid.',
  ErrorInvalidPropertyAppend: 'This property does not support appends.',
  ErrorInvalidPropertyDelete: 'This property cannot be deleted.',
  ErrorInvalidPropertySet: 'Set action is invalid for property.',
  ErrorInvalidPropertyUpdateSentMessage: 'Property cannot be updated because the message has already been sent.',
  ErrorMessageSizeExceeded: 'The message exceeds the maximum supported size.',
  ErrorMimeContentConversionFailed: 'Unable to convert the MIME content to an item.',
  ErrorMimeContentInvalidBase64String: 'The MIME content is not a valid Base64 string.',
  ErrorCorruptData: 'The item data is corrupt.',
  ErrorInvalidRequest: 'The request is invalid.',
  ErrorInvalidItemForOperationSendItem: 'The item is invalid for this operation: only messages can be sent.',
  ErrorInvalidRecipients: 'At least one recipient is not valid.',
  ErrorInvalidSendItemSaveSettings: 'SavedItemFolderId is not allowed when SaveItemToFolder is false.',
  ErrorInvalidServerVersion: 'The specified server version is invalid.',
  ErrorInvalidSyncStateData: 'Synchronization state data is corrupt or otherwise invalid.',
  ErrorIrresolvableConflict:
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  ErrorItemNotFound: 'The specified object was not found in the store.',
  ErrorMoveCopyFailed: 'The move or copy operation failed.',
  ErrorMoveDistinguishedFolder: 'Cannot move distinguished folder.',
  ErrorNoFolderClassOverride: 'The folder class cannot be overridden.',
  ErrorNonExistentMailbox: 'No mailbox with such guid.',
  ErrorParentFolderNotFound: 'The parent folder could not be found.',
  ErrorRequiredPropertyMissing: 'A required property is missing.',
  ErrorSendAsDenied: 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.',
  ErrorSchemaValidation: 'The request failed schema validation.',
  ErrorSyncFolderNotFound: 'The specified synchronization folder could not be found.',
  ErrorStaleObject: 'The change key passed in the request does not match the current change key for the item.',
  ErrorToFolderNotFound: 'The destination folder could not be found.',
  ErrorUpdatePropertyMismatch: 'The property in the change description does not match the property being updated.',
};

export function defaultMessageText(code: string): string {
  return MESSAGE_TEXT[code] ?? code.replace(/^Error/, '').replace(/([a-z])([A-Z])/g, '$1 $2') + '.';
}

/** A `t:Value Name="..."` entry of `m:MessageXml`. */
export type MessageXmlValues = ReadonlyArray<readonly [name: string, value: string]>;

/** One item's failure. Thrown inside a batch handler; the batch goes on with the next item. */
export class EwsError extends Error {
  constructor(
    readonly code: string,
    messageText?: string,
    readonly values?: MessageXmlValues,
    readonly responseClass: 'Error' | 'Warning' = 'Error',
  ) {
    super(messageText ?? defaultMessageText(code));
  }
}

/**
 * For code that collects per-item outcomes: an item's EwsError becomes its result; anything else
 * (a bug, a store failure) is not an item's business and is thrown on.
 */
export function asEwsError(err: unknown): EwsError {
  if (err instanceof EwsError) return err;
  throw err;
}

/** A request-level failure, answered with a SOAP fault and HTTP 500 (or the given status). */
export class SoapFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail: {
      line?: number;
      position?: number;
      violation?: string;
      values?: MessageXmlValues;
      httpStatus?: number;
    } = {},
  ) {
    super(message);
  }

  static schema(violation: string, line?: number, position?: number): SoapFault {
    return new SoapFault('ErrorSchemaValidation', `The request failed schema validation: ${violation}`, { violation, line, position });
  }
}
