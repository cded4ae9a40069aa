"""Drives ewsd's message-item operations with exchangelib, as a user's script would.

Usage: exchangelib_items.py URL EMAIL PASSWORD
Prints one JSON object with what the client saw; the node test asserts on it.
"""
import json
import sys

from exchangelib import Credentials, FileAttachment, HTMLBody, Mailbox, Message

from ewsd_interop import connect, run


def main():
    url, email, password = sys.argv[1:4]
    out = {}
    account = connect(url, email, Credentials(email, password))

    # bulk_create into Drafts (CreateItem SaveOnly), then fetch (GetItem with every field exchangelib knows).
    drafts = [
        Message(account=account, folder=account.drafts, subject=f"draft {i}", body=HTMLBody(f"<p>body {i}</p>"),
                to_recipients=[Mailbox(email_address=f"to{i}@example.com")], categories=["ewsd"])
        for i in range(5)
    ]
    created = account.bulk_create(folder=account.drafts, items=drafts)
    out["created"] = [bool(c.id and c.changekey) for c in created]
    fetched = list(account.fetch(ids=created))
    out["fetched_subjects"] = [m.subject for m in fetched]
    out["fetched_to"] = [m.to_recipients[0].email_address for m in fetched]
    out["fetched_is_draft"] = [m.is_draft for m in fetched]
    out["fetched_body"] = str(fetched[0].body)
    out["fetched_categories"] = fetched[0].categories
    out["fetched_has_mime"] = fetched[0].mime_content is not None and b"draft 0" in fetched[0].mime_content
    account.drafts.refresh()
    out["drafts_total"] = account.drafts.total_count

    # bulk_update (UpdateItem AutoResolve with SetItemField/DeleteItemField); ids must stay the same.
    for m in fetched:
        m.subject = m.subject + " (edited)"
        m.importance = "High"
    updated = account.bulk_update(items=[(m, ["subject", "importance"]) for m in fetched])
    out["updated_same_ids"] = [u[0] == m.id for u, m in zip(updated, fetched)]
    out["after_update"] = sorted(m.subject for m in account.drafts.all())

    # save() of one item: exchangelib sends every updatable field.
    one = account.drafts.get(id=fetched[0].id)
    one.is_read = True
    one.save(update_fields=["is_read"])
    account.drafts.refresh()
    out["unread_after_save"] = account.drafts.unread_count

    # Listing: order_by + slicing over FindItem, then GetItem.
    out["ordered"] = [m.subject for m in account.drafts.all().order_by("subject")[:3]]
    out["count"] = account.drafts.all().count()
    # filter() is FindItem with a Restriction.
    out["filtered"] = [m.subject for m in account.drafts.filter(subject__contains="draft 1")]
    out["filtered_importance"] = account.drafts.filter(importance="High", categories__contains=["ewsd"]).count()

    # Attachments: attach() is CreateAttachment, content fetched back with GetAttachment, detach() DeleteAttachment.
    msg = account.drafts.get(id=fetched[1].id)
    att = FileAttachment(name="hello.txt", content=b"hello world")
    msg.attach(att)
    again = account.drafts.get(id=fetched[1].id)
    out["attachment_names"] = [a.name for a in again.attachments]
    out["attachment_content"] = again.attachments[0].content.decode()
    msg.detach(att)
    out["attachments_after_detach"] = len(account.drafts.get(id=fetched[1].id).attachments)

    # move and copy.
    moved = account.drafts.get(id=fetched[2].id)
    moved.move(account.inbox)
    out["inbox_after_move"] = [m.subject for m in account.inbox.all()]
    copied = account.drafts.get(id=fetched[3].id)
    copied.copy(account.inbox)
    out["inbox_after_copy"] = sorted(m.subject for m in account.inbox.all())

    # bulk_delete: soft delete, then the same ids again (Success for ids that no longer exist).
    remaining = list(account.drafts.all())
    res = account.bulk_delete(ids=remaining, delete_type="SoftDelete")
    out["deleted"] = [r is True for r in res]
    account.drafts.refresh()
    out["drafts_after_delete"] = account.drafts.total_count
    res = account.bulk_delete(ids=remaining, delete_type="HardDelete")
    out["deleted_again"] = [r is True for r in res]
    # fetch() hands back per-item errors as exception objects.
    out["fetch_deleted"] = [type(r).__name__ for r in account.fetch(ids=[remaining[0], created[4]])]
    print(json.dumps(out))


if __name__ == "__main__":
    run(main)
