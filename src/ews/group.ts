/**
 * Adds `value` to the list kept under `key`, in place. Batches group their entries by mailbox;
 * rebuilding the list on every entry (`[...list, value]`) made that quadratic in the batch size.
 */
export function addToGroup<K, V>(groups: Map<K, V[]>, key: K, value: V): void {
  const list = groups.get(key);
  if (list) list.push(value);
  else groups.set(key, [value]);
}
