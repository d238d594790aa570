"""`make mail`: a mail server for chapter 8's alerts, in the foreground, on
localhost only. It accepts every e-mail sent to it and prints it, sends
nothing on, and stops with Ctrl-C.

luigi e-mails a task's failure over SMTP ([email] and [smtp] settings, or
--email-... and --smtp-... on the command line); this is where those e-mails
land during the workshop, instead of a real inbox.

    python -m tools.attendee.mail [--port 8025]
"""

import argparse
import email
import email.policy
import sys
import threading

from tools import printable, processes

DEFAULT_PORT = 8025


class Mailbox:
    """aiosmtpd's handler: keeps every e-mail it receives, and calls on_mail with it."""

    def __init__(self, on_mail=None):
        self.messages = []
        self.arrived = threading.Event()
        self.on_mail = on_mail

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for header, value in (("From", envelope.mail_from), ("To", ", ".join(envelope.rcpt_tos))):
            if header not in message:  # what the sender told the server, when the e-mail does not say
                message[header] = value
        self.messages.append(message)
        self.arrived.set()
        if self.on_mail:
            self.on_mail(message)
        return "250 Message accepted"


def text_of(message):
    """The plain text of an e-mail, however it is wrapped (luigi's are multipart)."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part else ""


def show(message):
    print(printable(f"\n--- e-mail to {message['To']}, from {message['From']}"))
    print(printable(f"Subject: {message['Subject']}\n"))
    print(printable(text_of(message).rstrip()), flush=True)


def serving(mailbox, port):
    """An SMTP server for mailbox on 127.0.0.1:port, started; stop() it."""
    from aiosmtpd.controller import Controller

    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make mail", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port {args.port}: give a port from 1 to 65535")
    if not processes.port_is_free(args.port):
        program = processes.listener(args.port) or "another program"
        other = processes.next_free_port(args.port)
        print(f"error: port {args.port} is taken by {program}. Pick another: make mail PORT={other}", file=sys.stderr)
        return 1
    processes.on_stop()
    try:
        server = serving(Mailbox(on_mail=show), args.port)
    except OSError as error:  # another program took the port since the check
        print(f"error: cannot listen on port {args.port}: {error.strerror or error}. Pick another.", file=sys.stderr)
        return 1
    print(f"A mail server listens on localhost:{args.port}; it prints each e-mail it gets. Ctrl-C stops it.")
    print(f"Send luigi's alerts here: --email-receiver you@example.com --smtp-port {args.port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopped the mail server.")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
