import type { Operation } from './operation.js';
import { convertId } from './operations/convert-id.js';
import { copyFolder } from './operations/copy-folder.js';
import { createFolder } from './operations/create-folder.js';
import { deleteFolder } from './operations/delete-folder.js';
import { findFolder } from './operations/find-folder.js';
import { getFolder } from './operations/get-folder.js';
import { moveFolder } from './operations/move-folder.js';
import { updateFolder } from './operations/update-folder.js';

/** Every implemented operation, by the local name of its request element. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [getFolder, findFolder, createFolder, updateFolder, deleteFolder, moveFolder, copyFolder, convertId].map((op) => [op.name, op]),
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
