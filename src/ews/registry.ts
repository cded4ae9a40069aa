import type { Operation } from './operation.js';
import { convertId } from './operations/convert-id.js';
import { copyFolder } from './operations/copy-folder.js';
import { copyItem } from './operations/copy-item.js';
import { createAttachment } from './operations/create-attachment.js';
import { createFolder } from './operations/create-folder.js';
import { createItem } from './operations/create-item.js';
import { deleteAttachment } from './operations/delete-attachment.js';
import { deleteFolder } from './operations/delete-folder.js';
import { deleteItem } from './operations/delete-item.js';
import { emptyFolder } from './operations/empty-folder.js';
import { exportItems } from './operations/export-items.js';
import { findFolder } from './operations/find-folder.js';
import { findItem } from './operations/find-item.js';
import { getAttachment } from './operations/get-attachment.js';
import { getFolder } from './operations/get-folder.js';
import { getItem } from './operations/get-item.js';
import { markAllItemsAsRead } from './operations/mark-all-items-as-read.js';
import { moveFolder } from './operations/move-folder.js';
import { moveItem } from './operations/move-item.js';
import { sendItem } from './operations/send-item.js';
import { syncFolderHierarchy } from './operations/sync-folder-hierarchy.js';
import { syncFolderItems } from './operations/sync-folder-items.js';
import { updateFolder } from './operations/update-folder.js';
import { updateItem } from './operations/update-item.js';
import { uploadItems } from './operations/upload-items.js';

/** Every implemented operation, by the local name of its request element. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    getFolder, findFolder, createFolder, updateFolder, deleteFolder, moveFolder, copyFolder, convertId,
    createItem, getItem, updateItem, deleteItem, findItem, moveItem, copyItem, markAllItemsAsRead, emptyFolder,
    createAttachment, getAttachment, deleteAttachment, exportItems, uploadItems, sendItem, syncFolderItems, syncFolderHierarchy,
  ].map((op) => [op.name, op]),
);

/**
 * Operation names of Services.wsdl that ewsd does not implement yet: they get a fault that
 * names them rather than a schema error. (Three requests carry a `Request` suffix.)
 */
export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set([
  'AddDelegate', 'AddDistributionGroupToImList', 'AddImContactToGroup', 'AddImGroup', 'AddNewImContactToGroup',
  'AddNewTelUriContactToGroup', 'AddTag', 'ApplyConversationAction', 'ArchiveItem', 'ConvertId', 'CopyFolder',
  'CopyItem', 'CreateAttachment', 'CreateFolder', 'CreateFolderPath', 'CreateItem', 'CreateManagedFolder',
  'CreateMeetingInstance', 'CreateMeetingSpace', 'CreateUserConfiguration', 'DeleteAttachment', 'DeleteFolder',
  'DeleteItem', 'DeleteMeetingInstance', 'DeleteMeetingSpace', 'DeleteSearchSuggestion',
  'DeleteUserConfiguration', 'DisableApp', 'DisconnectPhoneCall', 'EmptyFolder', 'EndSearchSession',
  'ExecuteSearch', 'ExpandDL', 'ExportItems', 'FindAvailableMeetingTimes', 'FindConversation', 'FindFolder',
  'FindItem', 'FindMeetingSpaceByJoinUrl', 'FindMeetingTimeCandidates', 'FindMessageTrackingReport',
  'FindPeople', 'FindTags', 'GetAppManifests', 'GetAppMarketplaceUrl', 'GetAttachment', 'GetClientAccessToken',
  'GetConversationItems', 'GetDelegate', 'GetDiscoverySearchConfiguration', 'GetEvents', 'GetFolder',
  'GetHoldOnMailboxes', 'GetImItemList', 'GetImItems', 'GetInboxRules', 'GetItem',
  'GetLastPrivateCatalogUpdate', 'GetMailTips', 'GetMeetingInstance', 'GetMeetingSpace',
  'GetMessageTrackingReport', 'GetNonIndexableItemDetails', 'GetNonIndexableItemStatistics',
  'GetPasswordExpirationDate', 'GetPersona', 'GetPhoneCallInformation', 'GetPrivateCatalogAddIns',
  'GetRoomLists', 'GetRooms', 'GetSearchSuggestions', 'GetSearchableMailboxes', 'GetServerTimeZones',
  'GetServiceConfiguration', 'GetSharingFolder', 'GetSharingMetadata', 'GetSpecificUserConfiguration',
  'GetStreamingEvents', 'GetUserAvailabilityRequest', 'GetUserConfiguration', 'GetUserOofSettingsRequest',
  'GetUserPhoto', 'GetUserRetentionPolicyTags', 'HideTag', 'InstallApp', 'MarkAllItemsAsRead', 'MarkAsJunk',
  'MoveFolder', 'MoveItem', 'PlayOnPhone', 'RefreshSharingFolder', 'RemoveContactFromImList', 'RemoveDelegate',
  'RemoveDistributionGroupFromImList', 'RemoveImContactFromGroup', 'RemoveImGroup', 'ReportMessage',
  'ResolveNames', 'SearchMailboxes', 'SendItem', 'SetHoldOnMailboxes', 'SetImGroup',
  'SetImListMigrationCompleted', 'SetTeamMailbox', 'SetUserOofSettingsRequest', 'SetUserPhoto',
  'StartSearchSession', 'Subscribe', 'SyncFolderHierarchy', 'SyncFolderItems', 'UninstallApp',
  'UnpinTeamMailbox', 'Unsubscribe', 'UpdateDelegate', 'UpdateFolder', 'UpdateInboxRules', 'UpdateItem',
  'UpdateItemInRecoverableItems', 'UpdateMeetingInstance', 'UpdateMeetingSpace', 'UpdateUserConfiguration',
  'UploadItems',
]);
