// CopyItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/copyitem-operation
import type { Operation } from '../operation.js';
import { relocateItems } from '../items/relocate.js';

export const copyItem: Operation = {
  name: 'CopyItem',
  handle: (request, ctx) => relocateItems(request, ctx, 'CopyItem'),
};
