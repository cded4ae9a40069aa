// MoveItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/moveitem-operation
import type { Operation } from '../operation.js';
import { relocateItems } from '../items/relocate.js';

/** A moved item gets a new id (the old one stops resolving) and keeps its dates and content. */
export const moveItem: Operation = {
  name: 'MoveItem',
  handle: (request, ctx) => relocateItems(request, ctx, 'MoveItem'),
};
