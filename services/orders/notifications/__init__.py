"""Customer e-mail about an order: staged with the fact it announces, rendered per language
from Jinja2 templates, sent over SMTP by a background sender, recorded for the timeline."""

from services.orders.notifications.customer import stage_for_customer
from services.orders.notifications.kinds import InvalidNotification, Kind
from services.orders.notifications.locales import choose_locale
from services.orders.notifications.render import RenderedMail, render
from services.orders.notifications.sender import MailSender
from services.orders.notifications.settings import MailSettings, should_mail
from services.orders.notifications.store import (
    NotificationRecord,
    Status,
    for_order,
    stage,
)

__all__ = [
    "InvalidNotification",
    "Kind",
    "MailSender",
    "MailSettings",
    "NotificationRecord",
    "RenderedMail",
    "Status",
    "choose_locale",
    "for_order",
    "render",
    "should_mail",
    "stage",
    "stage_for_customer",
]
