"""What every exchangelib interop script shares: how it connects, and how it reports a failure."""
import sys
import traceback

from exchangelib import DELEGATE, Account, Configuration


def connect(url, email, credentials):
    """An Account as an application makes one for ewsd: the endpoint URL and credentials only,
    so exchangelib has to find the auth type and the server version by itself."""
    config = Configuration(service_endpoint=url, credentials=credentials)
    return Account(email, config=config, autodiscover=False, access_type=DELEGATE)


def run(main):
    """Runs the script; on failure the traceback goes to stderr, where the node test shows it."""
    try:
        main()
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        sys.exit(1)
