"""Drives ewsd's folder operations with exchangelib, as a user's script would.

Usage: exchangelib_folders.py URL EMAIL PASSWORD
Prints one JSON object with what the client saw; the node test asserts on it.
"""
import json
import sys

from exchangelib import Credentials, Folder, Q

from exchangelib.folders import FolderCollection

from ewsd_interop import connect, run


def on_server(account, folder, q=None, depth="Shallow"):
    """Names below `folder` as the server reports them (FindFolder), bypassing exchangelib's folder cache."""
    found = FolderCollection(account=account, folders=[folder]).find_folders(q=q, depth=depth, additional_fields=None)
    return sorted(f.name for f in found if not isinstance(f, Exception))


def main():
    url, email, password = sys.argv[1:4]
    out = {}
    account = connect(url, email, Credentials(email, password))
    out["auth_type"] = account.protocol.auth_type
    out["api_version"] = account.version.api_version
    out["inbox"] = {"name": account.inbox.name, "class": type(account.inbox).__name__, "total": account.inbox.total_count}
    out["root_name"] = account.root.name
    out["tois_children"] = sorted(f.name for f in account.root.tois.children)
    out["walk"] = sorted(f.name for f in account.root.walk())

    sub = Folder(parent=account.inbox, name="Projects")
    sub.save()
    out["created_id"] = bool(sub.id and sub.changekey)
    account.inbox.refresh()
    out["inbox_children_after_create"] = [f.name for f in account.inbox.children]
    out["inbox_child_count"] = account.inbox.child_folder_count
    out["inbox_on_server"] = on_server(account, account.inbox)
    Folder(parent=sub, name="Q1").save()
    out["by_name_deep"] = on_server(account, account.inbox, q=Q(name="q1"), depth="Deep")
    out["by_name_prefix"] = on_server(account, account.root, q=Q(name__istartswith="proj"), depth="Deep")

    sub.name = "Projects 2026"
    sub.save(update_fields=["name"])
    out["renamed"] = [f.name for f in (account.inbox // "Projects 2026").parent.children]

    sub.move(account.trash)
    account.inbox.refresh()
    account.trash.refresh()
    out["trash_children_after_move"] = [f.name for f in account.trash.children]

    sub.delete(delete_type="SoftDelete")
    account.trash.refresh()
    out["trash_children_after_soft_delete"] = [f.name for f in account.trash.children]

    gone = Folder(parent=account.inbox, name="Scratch")
    gone.save()
    gone.delete()
    account.inbox.refresh()
    out["inbox_children_after_delete"] = [f.name for f in account.inbox.children]
    out["inbox_on_server_at_end"] = on_server(account, account.inbox)
    out["trash_on_server_at_end"] = on_server(account, account.trash)
    print(json.dumps(out))


if __name__ == "__main__":
    run(main)
