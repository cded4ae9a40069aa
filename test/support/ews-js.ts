import ews from 'ews-javascript-api';
import type { TestUser } from './server.js';

const { ExchangeService, ExchangeVersion, Uri, WebCredentials } = ews;

export type EwsJsService = InstanceType<typeof ExchangeService>;

/**
 * An ews-javascript-api client for `user` at `url`, set up the way an application does it:
 * Exchange2013_SP1 (the library's default), Basic credentials, plain http.
 */
export function ewsJsService(url: string, user: TestUser): EwsJsService {
  const service = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
  service.Credentials = new WebCredentials(user.email, user.password);
  service.Url = new Uri(url);
  return service;
}
