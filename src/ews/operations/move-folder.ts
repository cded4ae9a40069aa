// MoveFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/movefolder
import { moveOrCopyFolder } from './move-copy-folder.js';

export const moveFolder = moveOrCopyFolder('MoveFolder');
