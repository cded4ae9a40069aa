// CopyFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/copyfolder
import { moveOrCopyFolder } from './move-copy-folder.js';

export const copyFolder = moveOrCopyFolder('CopyFolder');
