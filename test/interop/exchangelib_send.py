"""Sends mail through ewsd with exchangelib, as a user's script would, between two local users.

Usage: exchangelib_send.py URL ALICE_EMAIL ALICE_PASSWORD BOB_EMAIL BOB_PASSWORD
Bob must be Alice's delegate with drafts access and send-on-behalf rights.
Prints one JSON object with what the client saw; the node test asserts on it.
"""
import json
import sys

from exchangelib import Credentials, HTMLBody, Mailbox, Message

from ewsd_interop import connect, run


def main():
    url, alice_email, alice_pw, bob_email, bob_pw = sys.argv[1:6]
    out = {}
    alice = connect(url, alice_email, Credentials(alice_email, alice_pw))
    bob = connect(url, bob_email, Credentials(bob_email, bob_pw))
    to_bob = [Mailbox(email_address=bob_email)]

    # Message.send() of a new message: exchangelib saves a copy in Sent (CreateItem SendAndSaveCopy).
    Message(account=alice, subject="el send", body=HTMLBody("<p>hello Bob</p>"), to_recipients=to_bob).send()
    # send(save_copy=False): CreateItem SendOnly.
    Message(account=alice, subject="el send only", body="no copy", to_recipients=to_bob).send(save_copy=False)
    # send_and_save() of a new message.
    Message(account=alice, subject="el send_and_save", body="saved", to_recipients=to_bob,
            bcc_recipients=[Mailbox(email_address="hidden@remote.test")]).send_and_save()

    # bulk_send of saved drafts (SendItem SaveItemToFolder=true with the Sent folder).
    drafts = alice.bulk_create(folder=alice.drafts, items=[
        Message(account=alice, subject=f"el bulk {i}", body=f"bulk {i}", to_recipients=to_bob) for i in range(3)
    ])
    out["bulk_send"] = [r is True for r in alice.bulk_send(ids=drafts, save_copy=True)]

    # A saved draft, changed, then send_and_save(): UpdateItem SendAndSaveCopy.
    draft = Message(account=alice, folder=alice.drafts, subject="el draft v1", body="v1", to_recipients=to_bob)
    draft.save()
    draft.subject = "el draft v2"
    draft.send_and_save(update_fields=["subject"])
    # A saved draft, send(): SendItem.
    plain = Message(account=alice, folder=alice.drafts, subject="el saved draft", body="saved first", to_recipients=to_bob)
    plain.save()
    plain.send()

    alice.drafts.refresh()
    out["drafts_left"] = alice.drafts.total_count
    out["sent"] = sorted(m.subject for m in alice.sent.all())
    inbox = list(bob.inbox.all().order_by("subject"))
    out["bob_inbox"] = [m.subject for m in inbox]
    out["bob_unread"] = [m.is_read for m in inbox]
    out["bob_from"] = sorted({m.author.email_address for m in inbox})
    out["bob_has_bcc"] = any(m.bcc_recipients for m in inbox)

    # Delegate send: Bob opens Alice's mailbox, saves a draft in her Drafts and sends it; the copy
    # goes to her Sent folder. From = Alice, Sender = Bob.
    alice_as_bob = connect(url, alice_email, Credentials(bob_email, bob_pw))
    d = Message(account=alice_as_bob, folder=alice_as_bob.drafts, subject="el delegate", body="on behalf", to_recipients=to_bob)
    d.save()
    d.send()
    got = bob.inbox.get(subject="el delegate")
    out["delegate_from"] = got.author.email_address
    out["delegate_sender"] = got.sender.email_address if got.sender else None
    out["delegate_copy_in_alice_sent"] = alice.sent.filter(subject="el delegate").count()
    alice.drafts.refresh()
    out["drafts_after_delegate"] = alice.drafts.total_count
    print(json.dumps(out))


if __name__ == "__main__":
    run(main)
