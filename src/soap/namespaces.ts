/** The XML namespaces EWS speaks. Responses always use these exact `http://` URIs. */
export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

/**
 * Microsoft's documentation (and our seed documents) print these namespaces with `https://`.
 * People paste those examples, so requests written that way are read as if they used the real URI.
 */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['https://schemas.xmlsoap.org/soap/envelope/', NS.soap],
  ['https://schemas.microsoft.com/exchange/services/2006/messages', NS.messages],
  ['https://schemas.microsoft.com/exchange/services/2006/types', NS.types],
  ['https://schemas.microsoft.com/exchange/services/2006/errors', NS.errors],
]);

export function canonicalNamespace(uri: string): string {
  return ALIASES.get(uri) ?? uri;
}
