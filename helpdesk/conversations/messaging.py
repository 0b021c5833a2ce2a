"""Services for messages: receive inbound (idempotently), run bot turns in order, send outbound, agent replies.

One message's way: a webhook parses the provider payload into `InboundMessage` and calls
`inbound_message_receive`, which stores it once (unique per channel + external id) and schedules
`conversation_process` after commit. That task takes the conversation's lock, feeds its unprocessed
inbound messages to the bot in id order (unless agents have the conversation), stores the replies as
pending outbound messages, releases the lock and sends them in order through the channel's adapter
(`conversation_outbound_flush` under the conversation's outbound lock). When another worker is sending on
the conversation or the provider fails, the `conversation_outbound_flush` task takes over with its retries
and backoff; agents' replies and proactive notices are sent by that task too.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict
from helpdesk.customers.phones import phone_normalize
from helpdesk.customers.services import PHONE_CHANNELS, channel_identity_get_or_create
from integrations.base import InboundMessage, OutboundMessage, ProviderError

from .live import conversation_group, inbox_group, live_publish
from .models import Conversation, ConversationState, Message
from .rasa import RasaUnavailable, rasa_turn, rasa_turn_replies

logger = logging.getLogger(__name__)

REPLY_WINDOWS = {"whatsapp": dt.timedelta(hours=24), "wechat": dt.timedelta(hours=48)}
HELP_TEXT = "ParcelDesk customer service: reply with your tracking number, or write your question. Reply STOP to opt out."
OPT_IN_TEXT = "You are subscribed again to ParcelDesk messages. Reply HELP for help, STOP to opt out."


class ConversationBusy(Exception):
    """Another worker holds this conversation's lock; try again shortly."""


_redis_clients: dict[tuple[int, str], redis.Redis] = {}


def _redis() -> redis.Redis:
    """The process's client for conversation locks and retry claims (its pool is thread-safe). A new client per call
    meant a new connection pool, so a new TCP connection to Redis for every lock and claim: 3 per customer turn
    (inbound lock, retry release, outbound lock), ~0.35 ms of CPU each against a reused connection. Keyed by pid (a
    forked worker child builds its own) and URL."""
    key = (os.getpid(), settings.REDIS_URL)
    client = _redis_clients.get(key)
    if client is None:
        client = _redis_clients[key] = redis.Redis.from_url(settings.REDIS_URL)
    return client


def _lock_seconds() -> float:
    """How long a worker's hold on a conversation lasts unless renewed: long enough for one turn (a tracker
    look-up and a Rasa call), short enough that a killed worker does not keep the conversation waiting."""
    return max(settings.CONVERSATION_LOCK_SECONDS, 2 * settings.RASA_TIMEOUT + 5)


@contextlib.contextmanager
def conversation_lock(conversation_id: int, *, side: str = "inbound"):
    """Two workers never interleave one conversation's turns (inbound) or sends (outbound).

    The hold expires (a killed worker cannot renew it), so the holder renews it before every turn with
    `conversation_lock_renew`; a holder whose hold lapsed and was taken by another worker stops there.
    """
    lock = _redis().lock(f"parceldesk:conversation-lock:{side}:{conversation_id}", timeout=_lock_seconds(),
                         blocking_timeout=0)
    if not lock.acquire(blocking=False):
        raise ConversationBusy(conversation_id)
    try:
        yield lock
    finally:
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()


def conversation_lock_renew(lock, conversation_id: int) -> None:
    try:
        lock.reacquire()
    except redis.exceptions.LockError:  # it lapsed and another worker has the conversation now
        raise ConversationBusy(conversation_id) from None


def conversation_retry_claim(conversation_id: int, *, holder: str, seconds: float) -> bool:
    """One retry chain per conversation while the bot is down: True when `holder` (a task id) is the one to retry.

    Every message that arrives during an outage, and every sweep, starts a task; without this each would keep
    retrying on its own until the bot is back. The claim lapses when its holder stops renewing it (its task was
    lost), so the next message or sweep takes over; `conversation_retry_release` drops it once the bot answered.
    """
    client, key, ttl = _redis(), f"parceldesk:conversation-retry:{conversation_id}", max(1, int(seconds) + 60)
    if client.set(key, holder, nx=True, ex=ttl):
        return True
    if client.get(key) == holder.encode():
        client.expire(key, ttl)
        return True
    return False


def conversation_retry_release(conversation_id: int, *, holder: str) -> None:
    client, key = _redis(), f"parceldesk:conversation-retry:{conversation_id}"
    if client.get(key) == holder.encode():
        client.delete(key)


def _message_event(message: Message) -> dict:
    sender = message.sender if message.sender_id else None
    return {
        "kind": "message.new",
        "conversation": message.conversation_id,
        "message": {
            "id": message.id, "direction": message.direction, "sender_kind": message.sender_kind, "text": message.text,
            "sender": (sender.get_full_name() or sender.get_username()) if sender else None,
            "media": message.media, "is_internal_note": message.is_internal_note,
            "delivery_status": message.delivery_status, "created_at": message.created_at.isoformat(),
        },
    }


def _publish_message(conversation: Conversation, message: Message) -> None:
    live_publish(groups=[conversation_group(conversation.pk), inbox_group(conversation.team_id)], event=_message_event(message))


def _publish_status(message: Message, status: str) -> None:
    """The agent sees a reply change from "waiting to send" to sent (or failed) without reloading."""
    live_publish(groups=[conversation_group(message.conversation_id)],
                 event={"kind": "message.status", "message": message.pk, "status": status})


# --- Inbound -----------------------------------------------------------------------------------------


def inbound_message_receive(*, inbound: InboundMessage) -> Message | None:
    """Store one inbound message exactly once and schedule its processing. Returns None for a duplicate.

    A provider's webhook waits for this, so it is a few statements in one transaction: the update that stamps the
    sender's open conversation with its last message also finds and locks it, and the message is inserted once (the
    unique channel + external id refuses a repeat, which rolls the stamp back). Only a sender's first message, or one
    after their conversation was closed, finds or creates the identity and opens a conversation first.
    """
    external_user_id = inbound.external_user_id
    if inbound.channel in PHONE_CHANNELS:
        external_user_id = phone_normalize(external_user_id)
    display_name = str(inbound.raw.get("ProfileName", "")) if inbound.raw else ""
    media = [dict(item) for item in inbound.media] + ([{"type": "event", "event": inbound.event}] if inbound.event else [])
    for _attempt in range(3):
        try:
            with transaction.atomic():
                now = timezone.now()
                opened = _open_conversation_stamp(channel=inbound.channel, external_user_id=external_user_id, at=now)
                if opened is None:
                    opened = _conversation_open(channel=inbound.channel, external_user_id=external_user_id,
                                                display_name=display_name, at=now)
                conversation_id, team_id = opened
                message = _message_insert(Message(
                    conversation_id=conversation_id,
                    direction=Message.Direction.INBOUND,
                    sender_kind=Message.SenderKind.CUSTOMER,
                    text=inbound.text,
                    media=media,
                    channel=inbound.channel,
                    external_id=inbound.external_message_id,
                    delivery_status=Message.DeliveryStatus.RECEIVED,
                ))
                live_publish(groups=[conversation_group(conversation_id), inbox_group(team_id)],
                             event=_message_event(message))
                from .tasks import conversation_process

                transaction.on_commit(lambda: conversation_process.delay(conversation_id))
            return message
        except IntegrityError:
            # The same provider message stored before (or racing in twice: the first one wins), or this sender's
            # first messages racing to open their conversation: the loser starts over and finds it open.
            if Message.objects.filter(channel=inbound.channel, external_id=inbound.external_message_id).exists():
                return None
    raise Conflict("conversation_busy", "The conversation could not be opened; try again.")


_message_insert_sql: str | None = None


def _message_insert(message: Message) -> Message:
    """`message` inserted (and returned with its id), as `message.save()` would insert a new one, at a fraction of the
    CPU: each field's value prepared as the ORM prepares it (`pre_save` fills created_at), into an INSERT ... RETURNING
    built once per process. Through the ORM (save_base, the SQL compiler) the insert cost about 1.5 times the CPU of
    this, ~0.3 ms more per SMS webhook in the web server (cProfile, thread CPU). No signal handler listens to Message
    saves (the ORM would send pre_save and post_save); other databases than PostgreSQL take the ORM's path."""
    global _message_insert_sql
    if connection.vendor != "postgresql":
        message.save(force_insert=True)
        return message
    fields = [field for field in Message._meta.concrete_fields if not field.primary_key]
    if _message_insert_sql is None:
        quote = connection.ops.quote_name
        _message_insert_sql = (
            f"INSERT INTO {quote(Message._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(Message._meta.pk.column)}")
    params = [field.get_db_prep_save(field.pre_save(message, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_message_insert_sql, params)
        message.pk = cursor.fetchone()[0]
    message._state.adding = False
    message._state.db = connection.alias
    return message


def _open_conversation_stamp(*, channel: str, external_user_id: str, at: dt.datetime) -> tuple[int, int | None] | None:
    """(id, team id) of the sender's open conversation, stamped with a message arriving `at` and locked until the
    transaction ends, or None when they have none.

    The lock keeps one conversation's messages stored one at a time, so their ids (the order the bot answers them in)
    are also the order they become visible to the worker. One UPDATE ... RETURNING finds, locks and stamps the
    conversation in a single round trip (the ORM would need a SELECT ... FOR UPDATE and an UPDATE).
    """
    table = connection.ops.quote_name(Conversation._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(at)  # as the ORM stores it (SQLite: naive UTC text)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_message_at = %s, last_inbound_at = %s "
            "WHERE channel = %s AND external_user_id = %s AND state <> %s RETURNING id, team_id",
            [stamp, stamp, channel, external_user_id, ConversationState.CLOSED.value],
        )
        return cursor.fetchone()


def _conversation_open(*, channel: str, external_user_id: str, display_name: str,
                       at: dt.datetime) -> tuple[int, int | None]:
    """(id, team id) of a new conversation with the bot for a sender who has none open, with their identity when they
    are new: `channel_identity_get_or_create` (an SMS/WhatsApp number joins the customer with that phone, else a new
    customer) and the conversation's INSERT, in one statement.

    Every first message from a new sender comes here, and through the ORM its five statements cost the web server
    about 4 ms of CPU more than a known sender's message (bench/ack.py); one statement with data-modifying CTEs costs
    a fraction of that. Columns not named here get their model field's default, as the ORM would give them. SQLite
    (the embedded default) has no INSERT in a WITH: there the ORM does the same, statement by statement.
    Inside the caller's transaction: a sender's first messages racing in here raise IntegrityError (on the identity's
    or the one-open-conversation constraint), and all but one start over and find the conversation open.
    """
    from helpdesk.customers.models import ChannelIdentity, Customer

    if connection.vendor != "postgresql":
        identity = channel_identity_get_or_create(channel=channel, external_id=external_user_id,
                                                  display_name=display_name, savepoint=False)
        conversation = Conversation.objects.create(
            customer_id=identity.customer_id, identity=identity, channel=channel,
            external_user_id=identity.external_id, language=identity.customer.language, last_message_at=at,
            last_inbound_at=at,
        )
        return conversation.pk, conversation.team_id
    by_phone = channel in PHONE_CHANNELS
    customer_columns, customer_values, customer_params = _insert_columns(Customer, {
        "created_at": at, "updated_at": at, "name": display_name, "phone": external_user_id if by_phone else ""})
    identity_columns, identity_values, identity_params = _insert_columns(ChannelIdentity, {
        "created_at": at, "updated_at": at, "customer": _Sql("owner.id"), "channel": channel,
        "external_id": external_user_id, "display_name": display_name})
    conversation_columns, conversation_values, conversation_params = _insert_columns(Conversation, {
        "created_at": at, "updated_at": at, "customer": _Sql("identity.customer_id"), "identity": _Sql("identity.id"),
        "channel": channel, "external_user_id": external_user_id, "language": _Sql("identity.language"),
        "last_message_at": at, "last_inbound_at": at})
    table = {model: connection.ops.quote_name(model._meta.db_table) for model in (Customer, ChannelIdentity,
                                                                                    Conversation)}
    sql = f"""
        WITH found_identity AS (
            SELECT i.id, i.customer_id, c.language FROM {table[ChannelIdentity]} i
            JOIN {table[Customer]} c ON c.id = i.customer_id
            WHERE i.channel = %s AND i.external_id = %s
        ), phone_owner AS (
            SELECT c.id, c.language FROM {table[Customer]} c
            WHERE %s AND c.phone = %s AND NOT EXISTS (SELECT 1 FROM found_identity)
            ORDER BY c.id LIMIT 1
        ), new_customer AS (
            INSERT INTO {table[Customer]} ({customer_columns}) SELECT {customer_values}
            WHERE NOT EXISTS (SELECT 1 FROM found_identity) AND NOT EXISTS (SELECT 1 FROM phone_owner)
            RETURNING id, language
        ), owner AS (
            SELECT id, language FROM phone_owner UNION ALL SELECT id, language FROM new_customer
        ), new_identity AS (
            INSERT INTO {table[ChannelIdentity]} ({identity_columns}) SELECT {identity_values} FROM owner
            RETURNING id, customer_id
        ), identity AS (
            SELECT id, customer_id, language FROM found_identity
            UNION ALL
            SELECT n.id, n.customer_id, owner.language FROM new_identity n JOIN owner ON owner.id = n.customer_id
        )
        INSERT INTO {table[Conversation]} ({conversation_columns}) SELECT {conversation_values} FROM identity
        RETURNING id, team_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [channel, external_user_id, by_phone, external_user_id, *customer_params,
                             *identity_params, *conversation_params])
        return cursor.fetchone()


class _Sql(str):
    """A value of `_insert_columns` that is SQL (a column of a CTE), not a parameter."""


def _insert_columns(model, values: dict) -> tuple[str, str, list]:
    """The column list, the SELECT list and its parameters for inserting one `model` row: `values` by field name,
    every other concrete field (but the primary key) its default, each prepared as the ORM prepares it."""
    columns, selected, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        value = values[field.name] if field.name in values else field.get_default()
        columns.append(connection.ops.quote_name(field.column))
        if isinstance(value, _Sql):
            selected.append(value)
        else:
            selected.append("%s")
            params.append(field.get_db_prep_save(value, connection))
    return ", ".join(columns), ", ".join(selected), params


def _keyword_reply(conversation: Conversation, text: str) -> str | None:
    """SMS/WhatsApp compliance keywords: STOP opts out (nothing is sent after it), START and HELP answered."""
    if conversation.channel not in ("sms", "whatsapp"):
        return None
    from integrations.twilio.keywords import HELP, OPT_IN, OPT_OUT, compliance_keyword

    word = compliance_keyword(text)
    identity = conversation.identity
    if word == OPT_OUT:
        if identity:
            identity.opted_out_at = timezone.now()
            identity.save(update_fields=["opted_out_at", "updated_at"])
        return ""  # handled, and nothing is sent back (the carrier sends its own confirmation)
    if word == OPT_IN and identity and identity.opted_out_at:
        identity.opted_out_at = None
        identity.save(update_fields=["opted_out_at", "updated_at"])
        return OPT_IN_TEXT
    if word == HELP:
        return HELP_TEXT
    return None


def _event_reply(conversation: Conversation, event: str) -> str | None:
    """WeChat follow/unfollow: a new follower is greeted by the bot; an unfollow stops all messages."""
    identity = conversation.identity
    if event == "unsubscribe":
        if identity:
            identity.opted_out_at = timezone.now()
            identity.save(update_fields=["opted_out_at", "updated_at"])
        return ""
    if event == "subscribe":
        if identity and identity.opted_out_at:
            identity.opted_out_at = None
            identity.save(update_fields=["opted_out_at", "updated_at"])
        return None  # the bot greets (as "/greet")
    return ""  # other events (menu clicks, location reports) need no answer


def _bot_metadata(conversation: Conversation, message: Message) -> dict:
    return {
        "channel": conversation.channel,
        "language": conversation.language,
        "customer_verified": bool(conversation.verified_phone) or conversation.channel in ("sms", "whatsapp"),
        "message_id": message.pk,  # lets a retry find this turn in the bot's tracker instead of repeating it
    }


def _bot_turn(conversation: Conversation, message: Message, text: str) -> list[dict]:
    """The bot's answer to one message, asking the bot once even when an earlier try may have reached it.

    A try counts before Rasa is called; when the message was tried before (the worker died, or Rasa
    answered too late), the bot's tracker says whether that turn happened, and its replies are taken
    from there rather than running the turn a second time.
    """
    tried_before = message.delivery_attempts > 0
    Message.objects.filter(pk=message.pk).update(delivery_attempts=F("delivery_attempts") + 1)
    if tried_before:
        replies = rasa_turn_replies(conversation_id=conversation.pk, message_id=message.pk)
        if replies is not None:
            logger.info("conversation %s: message %s was already answered by the bot; not asking again",
                        conversation.pk, message.pk)
            return replies
    return rasa_turn(conversation_id=conversation.pk, text=text, metadata=_bot_metadata(conversation, message))


def _store_outbound(conversation: Conversation, *, text: str, sender_kind: str, media=None, sender=None,
                    stamp: bool = True) -> Message:
    """A pending outbound message (inserted as `_message_insert` does); `stamp` also moves the conversation's
    last_message_at to it (a caller storing several stamps once, with the last)."""
    message = _message_insert(Message(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        sender_kind=sender_kind,
        sender=sender,
        text=text,
        media=media or [],
        channel=conversation.channel,
        delivery_status=Message.DeliveryStatus.PENDING,
    ))
    if stamp:
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    _publish_message(conversation, message)
    return message


def bot_replies_store(*, conversation: Conversation, replies: list[dict]) -> list[Message]:
    """Keep what the bot said (text, buttons, images) as pending outbound messages, in order."""
    stored = []
    for reply in replies:
        media = []
        if reply.get("buttons"):
            media.append({"type": "buttons", "buttons": [{"title": b.get("title", ""), "payload": b.get("payload", "")}
                                                         for b in reply["buttons"]]})
        if reply.get("image"):
            media.append({"type": "image", "url": reply["image"]})
        if reply.get("custom"):
            media.append({"type": "custom", "data": reply["custom"]})
        text = reply.get("text") or ""
        if text or media:
            stored.append(_store_outbound(conversation, text=text, sender_kind=Message.SenderKind.BOT, media=media,
                                          stamp=False))
    if stored:  # one stamp for the turn's replies, not one UPDATE per reply
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=stored[-1].created_at)
    return stored


def conversation_inbound_process(*, conversation_id: int, schedule_flush: bool = True) -> int:
    """Feed the conversation's unprocessed inbound messages to the bot, oldest first. Returns how many were done.

    The replies are stored as pending outbound messages; with `schedule_flush` a `conversation_outbound_flush` task
    is queued after each turn's commit to send them, without it the caller sends them (the `conversation_process`
    task does, once the conversation's lock is released: one task per turn instead of two).
    Raises RasaUnavailable (the caller retries later; the messages stay unprocessed, nothing is lost) and
    ConversationBusy (another worker is on it).
    """
    processed = 0
    with conversation_lock(conversation_id) as lock:
        while True:
            if processed:  # just taken before the first turn; renewed before every later one
                conversation_lock_renew(lock, conversation_id)
            # The message with its conversation (as it is now: agents may have taken it) in one query.
            message = (
                Message.objects.select_related("conversation__identity")
                .filter(conversation_id=conversation_id, direction=Message.Direction.INBOUND,
                        delivery_status=Message.DeliveryStatus.RECEIVED)
                .order_by("id")
                .first()
            )
            if message is None:
                break
            conversation = message.conversation
            event = next((item["event"] for item in message.media if item.get("type") == "event"), "")
            keyword = _event_reply(conversation, event) if event else _keyword_reply(conversation, message.text)
            replies: list[dict] = []
            if keyword is not None:
                replies = [{"text": keyword}] if keyword else []
            elif conversation.state == ConversationState.BOT:
                try:
                    replies = _bot_turn(conversation, message, message.text or ("/greet" if event else "/media"))
                except RasaUnavailable:
                    if conversation.bot_delayed_since is None:
                        Conversation.objects.filter(pk=conversation_id).update(bot_delayed_since=timezone.now())
                        live_publish(groups=[conversation_group(conversation_id), inbox_group(conversation.team_id)],
                                     event={"kind": "conversation.bot_delayed", "conversation": conversation_id})
                    raise
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(delivery_status=Message.DeliveryStatus.PROCESSED)
                if conversation.bot_delayed_since is not None:
                    Conversation.objects.filter(pk=conversation_id).update(bot_delayed_since=None)
                    live_publish(groups=[conversation_group(conversation_id), inbox_group(conversation.team_id)],
                                 event={"kind": "conversation.bot_resumed", "conversation": conversation_id})
                if replies:
                    bot_replies_store(conversation=conversation, replies=replies)
                    if schedule_flush:
                        from .tasks import conversation_outbound_flush

                        transaction.on_commit(lambda: conversation_outbound_flush.delay(conversation_id))
            processed += 1
    return processed


# --- Outbound ----------------------------------------------------------------------------------------


def reply_window_open(conversation: Conversation, *, now: dt.datetime | None = None) -> bool:
    """WhatsApp (24 h) and WeChat (48 h) only allow free-form replies within the window after the last inbound."""
    window = REPLY_WINDOWS.get(conversation.channel)
    if window is None:
        return True
    if conversation.last_inbound_at is None:
        return False
    return (now or timezone.now()) - conversation.last_inbound_at < window


def reply_window_state(conversation: Conversation, *, now: dt.datetime | None = None) -> dict:
    """The channel's reply window as the API shows it to an agent before sending."""
    window = REPLY_WINDOWS.get(conversation.channel)
    if window is None:
        return {"open": True, "hours": None, "closes_at": None, "template_required": False,
                "detail": "This channel has no reply window."}
    hours = int(window.total_seconds() // 3600)
    is_open = reply_window_open(conversation, now=now)
    closes_at = conversation.last_inbound_at + window if conversation.last_inbound_at else None
    if is_open:
        detail = f"Free-form replies allowed until {hours} hours after the customer's last message."
    else:
        kind = "ContentSid" if conversation.channel == "whatsapp" else "template message"
        detail = (f"The customer last wrote more than {hours} hours ago; only an approved template ({kind}) can be "
                  "sent until they write again.")
    return {"open": is_open, "hours": hours, "closes_at": closes_at, "template_required": not is_open,
            "detail": detail}


def _render_text(message: Message) -> str:
    """Buttons become numbered options on text-only channels."""
    text = message.text
    for item in message.media:
        if item.get("type") == "buttons" and message.channel in ("sms", "whatsapp", "wechat"):
            options = "\n".join(f"{n}. {b['title']}" for n, b in enumerate(item["buttons"], start=1))
            text = f"{text}\n{options}" if text else options
    return text


def _sender_for(channel: str):
    from integrations.registry import build_sender

    from .outbound import channel_config

    return build_sender(channel, channel_config(channel))


def message_send(*, message: Message) -> None:
    """Send one outbound message through its channel; raises ProviderError(retryable) for the caller's backoff."""
    conversation = message.conversation
    if message.is_internal_note or message.direction != Message.Direction.OUTBOUND:
        raise ApplicationError("not_sendable", "Internal notes and inbound messages never leave the helpdesk.")
    identity = conversation.identity
    if identity is not None and identity.opted_out_at is not None and message.sender_kind != Message.SenderKind.SYSTEM:
        Message.objects.filter(pk=message.pk).update(delivery_status=Message.DeliveryStatus.FAILED,
                                                     delivery_error="Customer opted out (STOP).")
        _publish_status(message, Message.DeliveryStatus.FAILED)
        return
    if message.channel == "webchat":
        from .live import webchat_group

        live_publish(groups=[webchat_group(conversation.external_user_id)], event=_message_event(message))
        Message.objects.filter(pk=message.pk).update(delivery_status=Message.DeliveryStatus.SENT, sent_at=timezone.now())
        _publish_status(message, Message.DeliveryStatus.SENT)
        return
    sender = _sender_for(message.channel)
    if sender is None:
        Message.objects.filter(pk=message.pk).update(delivery_status=Message.DeliveryStatus.FAILED,
                                                     delivery_error=f"The {message.channel} channel is not configured.")
        _publish_status(message, Message.DeliveryStatus.FAILED)
        return
    # The attempt is counted with its outcome, in the one UPDATE that records it (a worker killed mid-send leaves
    # that attempt uncounted; the message stays pending and the idempotency key keeps the resend single).
    attempt = F("delivery_attempts") + 1
    try:
        result = sender.send(OutboundMessage(
            channel=message.channel, to=conversation.external_user_id, text=_render_text(message),
            idempotency_key=f"parceldesk-message-{message.pk}", template_id=message.template_id,
            template_variables={str(k): str(v) for k, v in (message.template_variables or {}).items()},
        ))
    except ProviderError as exc:
        failed = {} if exc.retryable else {"delivery_status": Message.DeliveryStatus.FAILED}
        Message.objects.filter(pk=message.pk).update(delivery_error=str(exc)[:300], delivery_attempts=attempt,
                                                     **failed)
        if not exc.retryable:
            _publish_status(message, Message.DeliveryStatus.FAILED)
        raise
    Message.objects.filter(pk=message.pk).update(
        delivery_status=Message.DeliveryStatus.SENT, external_id=result.provider_message_id, sent_at=timezone.now(),
        delivery_error="", delivery_attempts=attempt,
    )
    _publish_status(message, Message.DeliveryStatus.SENT)


def conversation_outbound_flush(*, conversation_id: int) -> int:
    """Send the conversation's pending outbound messages in order; stops at the first retryable failure."""
    sent = 0
    with conversation_lock(conversation_id, side="outbound") as lock:
        for message in Message.objects.select_related("conversation__identity").filter(
            conversation_id=conversation_id, direction=Message.Direction.OUTBOUND,
            delivery_status=Message.DeliveryStatus.PENDING, is_internal_note=False,
        ).order_by("id"):
            conversation_lock_renew(lock, conversation_id)
            try:
                message_send(message=message)
            except ProviderError as exc:
                if exc.retryable:
                    raise
                continue
            sent += 1
    return sent


# --- Agents ------------------------------------------------------------------------------------------


def agent_reply_send(*, conversation: Conversation, agent, text: str, template: str = "", template_id: str = "",
                     tracking_number: str = "") -> Message:
    """An agent's reply goes out on the customer's own channel, within the channel's rules.

    Outside the WhatsApp (24 h) or WeChat (48 h) window only an approved template goes: `template` names it by key
    (or `template_id` by the provider's id); its placeholders are filled from the conversation's shipment (the one
    `tracking_number` names, else the latest linked) and the agent, and the text stored is what the customer reads.
    """
    from .message_templates import needs_shipment, template_for, template_render, template_shipment, template_values

    text = (text or "").strip()
    if not text and not template and not template_id:
        raise ApplicationError("message_empty", "Write a message first.")
    if conversation.state == ConversationState.CLOSED:
        raise Conflict("conversation_closed", "This conversation is closed.")
    chosen = None
    if template or template_id:
        if conversation.channel not in REPLY_WINDOWS:
            raise ApplicationError("template_not_applicable",
                                   f"{conversation.channel} has no reply window; write the message instead.")
        chosen = template_for(conversation, key=template, provider_template_id=template_id)
        if chosen is None:
            raise ApplicationError("template_unknown", f"No approved {conversation.channel} template "
                                   f"{template or template_id!r} is active; an admin adds them under Message templates.")
    if not reply_window_open(conversation) and chosen is None:
        hours = int(REPLY_WINDOWS[conversation.channel].total_seconds() // 3600)
        raise Conflict(
            "reply_window_closed",
            f"The customer last wrote more than {hours} hours ago; on {conversation.channel} only an approved "
            "template can be sent now.",
        )
    identity = conversation.identity
    if identity is not None and identity.opted_out_at is not None:
        raise Conflict("customer_opted_out", "The customer opted out of messages on this channel (STOP).")
    values: dict[str, str] = {}
    if chosen is not None:
        shipment = template_shipment(conversation, tracking_number=tracking_number)
        if shipment is None and (tracking_number or needs_shipment(chosen)):
            raise ApplicationError("template_needs_shipment",
                                   f"No shipment {tracking_number} in this conversation." if tracking_number else
                                   "This template speaks about a shipment; link one to the conversation first.")
        values = template_values(chosen, shipment=shipment, agent=agent)
        text = template_render(chosen, values)
    with transaction.atomic():
        message = _store_outbound(conversation, text=text, sender_kind=Message.SenderKind.AGENT, sender=agent)
        if chosen is not None:
            message.template_id, message.template_variables = chosen.provider_template_id, values
            Message.objects.filter(pk=message.pk).update(template_id=message.template_id, template_variables=values)
        from .tasks import conversation_outbound_flush

        transaction.on_commit(lambda: conversation_outbound_flush.delay(conversation.pk))
    return message


def agent_note_add(*, conversation: Conversation, agent, text: str) -> Message:
    """A private note for colleagues; it is never sent to the customer."""
    text = (text or "").strip()
    if not text:
        raise ApplicationError("message_empty", "Write a note first.")
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, direction=Message.Direction.OUTBOUND, sender_kind=Message.SenderKind.AGENT,
            sender=agent, text=text, is_internal_note=True, channel=conversation.channel,
            delivery_status=Message.DeliveryStatus.NOT_SENT,
        )
        _publish_message(conversation, message)
    return message


STATUS_MAP = {
    "queued": Message.DeliveryStatus.SENT, "sending": Message.DeliveryStatus.SENT, "sent": Message.DeliveryStatus.SENT,
    "delivered": Message.DeliveryStatus.DELIVERED, "read": Message.DeliveryStatus.READ,
    "failed": Message.DeliveryStatus.FAILED, "undelivered": Message.DeliveryStatus.FAILED,
}
STATUS_RANK = {Message.DeliveryStatus.SENT: 1, Message.DeliveryStatus.DELIVERED: 2, Message.DeliveryStatus.READ: 3,
               Message.DeliveryStatus.FAILED: 4}


def message_status_update(*, channel: str, external_id: str, status: str, error: str = "") -> Message | None:
    """A provider's delivery status callback; callbacks arrive out of order, so status only moves forward."""
    new = STATUS_MAP.get(status)
    if new is None:
        return None
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
        if message is None:
            return None
        if STATUS_RANK.get(new, 0) > STATUS_RANK.get(message.delivery_status, 0):
            message.delivery_status = new
            message.delivery_error = error[:300] if new == Message.DeliveryStatus.FAILED else message.delivery_error
            message.save(update_fields=["delivery_status", "delivery_error"])
            _publish_status(message, new)
    return message
