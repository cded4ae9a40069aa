import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { outcomes, post, messages } from './support/soap.js';

describe('GetFolder', () => {
  const env = useTestServer('alice');

  it('answers one message per id, in order, with per-item errors', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds>
        <t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>alice@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>
        <t:DistinguishedFolderId Id="publicfoldersroot"/>
        <t:FolderId Id="not-an-id"/>
        <t:DistinguishedFolderId Id="calendar"/>
      </m:FolderIds></m:GetFolder>`,
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(outcomes(reply.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorFolderNotFound'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
    ]);
    const [inbox, , , calendar] = messages(reply.body);
    assert.equal(inbox!.child('Folders')!.child('Folder')!.childText('DisplayName'), 'Inbox');
    assert.equal(calendar!.child('Folders')!.child('CalendarFolder')!.childText('FolderClass'), 'IPF.Appointment');
  });
});
