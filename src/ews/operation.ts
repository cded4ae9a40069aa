import type { XmlElement } from '../soap/xml-element.js';
import type { XmlWriter } from '../soap/xml-writer.js';
import type { RequestContext } from './context.js';

/**
 * One EWS operation. `handle` receives the operation element (the first child of soap:Body)
 * and returns the writer holding the serialised `<m:{name}Response>` element.
 */
export interface Operation {
  readonly name: string;
  handle(request: XmlElement, ctx: RequestContext): Promise<XmlWriter>;
}
