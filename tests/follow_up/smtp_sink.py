"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, for the e-mail tests."""

from __future__ import annotations

import email
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message

from aiosmtpd.controller import Controller

# The ports this project's tests may use for a sink; a busy one (another test process) is
# skipped. UNUSED_PORT is never listened on, so a connection to it is refused.
SINK_PORTS = (8125, 8126, 8127, 8128)
UNUSED_PORT = 8129


@dataclass
class Sink:
    port: int
    messages: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_sink() -> Iterator[Sink]:
    last_error: OSError | None = None
    for port in SINK_PORTS:
        sink = Sink(port=port)
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        try:
            controller.start()
        except (OSError, RuntimeError) as error:  # the port is taken: try the next
            last_error = error  # type: ignore[assignment]
            continue
        try:
            yield sink
        finally:
            controller.stop()
        return
    raise RuntimeError(f"no free port for the SMTP sink among {SINK_PORTS}: {last_error}")
