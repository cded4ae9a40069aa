"""ExportItems / UploadItems through exchangelib: account.export(items) and account.upload(data).

Usage: exchangelib_export.py URL EMAIL PASSWORD
Creates messages in Drafts, exports them, uploads the data into the Inbox, re-exports the copies
and updates one copy in place (CreateAction Update). Prints one JSON object for the node test.
"""
import json
import sys

from exchangelib import Credentials, ExtendedProperty, FileAttachment, HTMLBody, Mailbox, Message

from ewsd_interop import connect, run


class Flag(ExtendedProperty):
    property_tag = 0x1090
    property_type = "Integer"


Message.register("flag_status", Flag)


def main():
    url, email, password = sys.argv[1:4]
    out = {}
    account = connect(url, email, Credentials(email, password))

    items = []
    for i in range(3):
        m = Message(account=account, folder=account.drafts, subject=f"export {i} – ü", body=HTMLBody(f"<p>body {i} ✓</p>"),
                    to_recipients=[Mailbox(email_address=f"to{i}@example.com")], cc_recipients=[Mailbox(name="Cc", email_address="cc@example.com")],
                    categories=["ewsd", "export"], importance="High", flag_status=2)
        m.save()
        m.attach(FileAttachment(name=f"file{i}.bin", content=bytes(range(256)) * (i + 1)))
        items.append(m)
    originals = list(account.fetch(ids=items))
    data = account.export(originals)
    out["exported"] = [isinstance(d, str) and len(d) > 100 for d in data]

    ids = account.upload([(account.inbox, d) for d in data])
    out["uploaded"] = [bool(i and c) for i, c in ids]
    copies = list(account.fetch(ids=ids))
    out["copy_subjects"] = [c.subject for c in copies]
    out["copy_bodies"] = [str(c.body) for c in copies]
    out["copy_to"] = [c.to_recipients[0].email_address for c in copies]
    out["copy_cc_names"] = [c.cc_recipients[0].name for c in copies]
    out["copy_categories"] = [c.categories for c in copies]
    out["copy_importance"] = [c.importance for c in copies]
    out["copy_flag"] = [c.flag_status for c in copies]
    out["copy_attachment_sizes"] = [[len(a.content) for a in c.attachments] for c in copies]
    out["same_created"] = [c.datetime_created == o.datetime_created for c, o in zip(copies, originals)]
    again = account.export(copies)
    out["reexport_identical"] = [a == d for a, d in zip(again, data)]

    # CreateAction Update: replace the first copy with the second original's data, in place.
    first = copies[0]
    updated = account.upload([(account.inbox, ((first.id, first.changekey), False, data[1]))])
    out["update_same_id"] = updated[0][0] == first.id
    out["update_new_changekey"] = updated[0][1] != first.changekey
    out["after_update_subject"] = account.inbox.get(id=first.id).subject
    account.inbox.refresh()
    out["inbox_total"] = account.inbox.total_count
    print(json.dumps(out))


if __name__ == "__main__":
    run(main)
