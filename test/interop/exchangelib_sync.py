"""Drives ewsd's SyncFolderItems and SyncFolderHierarchy with exchangelib, as a sync tool would.

Usage: exchangelib_sync.py URL EMAIL PASSWORD
Prints one JSON object with what the client saw; the node test asserts on it.
"""
import json
import sys

from exchangelib import Credentials, Folder, Message

from ewsd_interop import connect, run


def changes(gen):
    out = []
    for change_type, obj in gen:
        if change_type == "read_flag_change":
            item_id, is_read = obj
            out.append([change_type, item_id.id, is_read])
        elif change_type == "delete":
            out.append([change_type, obj.id])
        else:
            out.append([change_type, obj.id, getattr(obj, "subject", None) or getattr(obj, "name", None)])
    return out


def main():
    url, email, password = sys.argv[1:4]
    out = {}
    account = connect(url, email, Credentials(email, password))
    inbox = account.inbox

    items = [Message(account=account, folder=inbox, subject=f"sync {i}") for i in range(5)]
    created = account.bulk_create(folder=inbox, items=items)
    out["created"] = [c.id for c in created]

    # First sync, 2 changes per page: exchangelib loops until IncludesLastItemInRange.
    out["first"] = changes(inbox.sync_items(max_changes_returned=2))
    state = inbox.item_sync_state
    out["state_set"] = bool(state)

    # Changes since: a read flag, a subject edit, a deletion, a new item.
    m0 = inbox.get(id=created[0].id)
    m0.is_read = True
    m0.save(update_fields=["is_read"])
    m1 = inbox.get(id=created[1].id)
    m1.subject = "sync 1 (edited)"
    m1.save(update_fields=["subject"])
    inbox.get(id=created[2].id).delete()
    new = Message(account=account, folder=inbox, subject="sync new")
    new.save()
    out["new_id"] = new.id
    out["second"] = changes(inbox.sync_items(sync_state=state))
    out["third"] = changes(inbox.sync_items())  # from the stored state: nothing left

    # A corrupt state: exchangelib raises ErrorInvalidSyncStateData.
    try:
        list(inbox.sync_items(sync_state="AEbJ94eMOAAA="))
        out["corrupt"] = "no error"
    except Exception as e:  # noqa: BLE001
        out["corrupt"] = type(e).__name__

    # Hierarchy from the mailbox root folder, then a new folder below the Inbox.
    root = account.msg_folder_root
    out["hierarchy"] = sorted(n for _, _, n in changes(root.sync_hierarchy()) if n)
    sub = Folder(parent=inbox, name="Synced folder")
    sub.save()
    out["hierarchy_next"] = changes(root.sync_hierarchy())
    out["sub_id"] = sub.id
    print(json.dumps(out))


if __name__ == "__main__":
    run(main)
