"""The MIME message for one notification: multipart/alternative, plain text then HTML.

The Message-ID comes from the notification id, so a mail sent again after a crash between
"sent" and "marked sent" carries the same id and is recognisable as the same mail.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from uuid import UUID

from services.orders.notifications.render import RenderedMail
from services.orders.notifications.settings import MailSettings


def message_id(notification_id: UUID, settings: MailSettings) -> str:
    domain = settings.sender_address.rpartition("@")[2] or "lotline.local"
    return f"<{notification_id.hex}@{domain}>"


def build_message(
    notification_id: UUID,
    *,
    recipient: str,
    locale: str,
    mail: RenderedMail,
    settings: MailSettings,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(notification_id, settings)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message["X-Lotline-Notification"] = str(notification_id)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    message["Content-Language"] = locale  # after the parts: setting content clears Content-*
    return message
