import { emptyMessageProps, type NewItem } from '../domain/item.js';
import { itemFromMime, keptWithMime, type MimeItem } from '../items/mime-mapping.js';
import { MimeParseError } from '../mime/parse-mime.js';
import type { Store } from '../store/store.js';
import type { LocalDelivery } from './local-delivery.js';

/**
 * Local delivery into message items: the raw message becomes an unread, non-draft item in each
 * recipient's Inbox, its MIME kept byte for byte, all recipients in one transaction.
 */
export function itemsLocalDelivery(store: Store): LocalDelivery {
  return {
    async isLocal(address) {
      return (await store.accountByEmail(address.toLowerCase())) !== undefined;
    },
    async deliver(recipients, raw) {
      const parsed = await readMessage(raw);
      const now = new Date();
      const deliveries: Array<{ mailboxId: number; folderId: number; item: NewItem }> = [];
      for (const address of new Set(recipients.map((r) => r.toLowerCase()))) {
        const account = await store.accountByEmail(address);
        const inbox = account && (await store.distinguishedFolder(account.id, 'inbox'));
        if (!account || !inbox) continue; // isLocal() was asked first; an account removed since then has no Inbox to fill
        const props = structuredClone(parsed.props);
        props.isRead = false;
        props.isDraft = false;
        props.isFromMe = props.from?.address?.toLowerCase() === account.email;
        props.dateTimeReceived = now;
        props.conversationTopic ??= props.subject;
        deliveries.push({ mailboxId: account.id, folderId: inbox.id, item: keptWithMime({ props, attachments: parsed.attachments }, raw, parsed) });
      }
      if (deliveries.length) await store.deliverItems(deliveries);
    },
  };
}

/** A message postal-mime refuses is still delivered: its bytes are kept and served as they came. */
async function readMessage(raw: Buffer): Promise<MimeItem> {
  try {
    return await itemFromMime(raw);
  } catch (err) {
    if (!(err instanceof MimeParseError)) throw err;
    return { props: emptyMessageProps(), attachments: [] };
  }
}
