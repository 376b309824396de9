"""`qingchu chat`: play the tenant against the real handlers, database and triage, without Telegram.

The in-process Bot API fake stands in for Telegram; buttons are shown as numbered choices.
"""

import asyncio
import sys
from dataclasses import replace
from typing import Any, TextIO

from backend.config import Settings
from backend.context import AppContext
from backend.db import close_database, open_database
from backend.services.inbox import last_update_id
from backend.services.outbox import last_message_id

from .app import build_application
from .delivery import deliver_due
from .fake_telegram import FakeBotApi
from .fake_telegram.model import StoredMessage

HELP = """Type as a tenant would. Also:
  1, 2, …          press a button of the bot's latest message; a number that is not one of the
                   buttons shown (a phone number, a room number) is sent as text
  @text 2          send "2" as text even while a button [2] is shown
  @photo [caption] send a photo            @contact PHONE  share your phone number
  @sticker         send a sticker          @quit           leave
Commands such as /start, /complain, /mycases, /status NUMBER, /language work as in Telegram."""


class Console:
    def __init__(self, ctx: AppContext, fake: FakeBotApi, out: TextIO, locale_code: str) -> None:
        self.ctx, self.fake, self.out = ctx, fake, out
        self.app = build_application(ctx, request=fake.request(), rate_limit=False)
        self.tenant = fake.add_user("访客", language_code=locale_code)
        self.staff = fake.add_group("物业客服群", chat_id=ctx.settings.staff_chat_id)
        self.choices: list[tuple[StoredMessage, str]] = []
        self._buttons_this_turn = False
        self._keyboard: dict[str, Any] | None = None
        fake.subscribe(self._show)

    def _show(self, event: str, item: object) -> None:
        if not isinstance(item, StoredMessage) or event == "deleted" or not item.outgoing:
            return
        where = "staff group" if item.chat_id == self.staff.id else "bot"
        prefix = f"[{where}{', edited' if event == 'edited' else ''}]"
        print(f"\n{prefix} {item.text or item.caption or '[media]'}", file=self.out)
        if item.chat_id != self.tenant.id:
            return
        keyboard = self.fake.chat(self.tenant).reply_keyboard
        if (
            keyboard is not self._keyboard
        ):  # a keyboard under the input field: say once how to use it
            self._keyboard = keyboard
            for button in (b for row in (keyboard or {}).get("keyboard", []) for b in row):
                if isinstance(button, dict) and button.get("request_contact"):
                    print(f"   [@contact PHONE] {button.get('text', '')}", file=self.out)
        labels = [label for row in item.buttons for label, _ in row]
        if labels:
            self.choices = [(item, label) for label in labels]
            self._buttons_this_turn = True
            print(
                "   " + "   ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)),
                file=self.out,
            )
        elif (
            event == "edited" and self.choices and self.choices[0][0].message_id == item.message_id
        ):
            self.choices = []  # the buttons were taken off that message
        elif event == "sent" and not self._buttons_this_turn:
            self.choices = []  # the bot's answer has no buttons: numbers are text again

    def button(self, line: str) -> tuple[StoredMessage, str] | None:
        """The button a typed line presses: a whole number within the buttons shown, else None (text)."""
        if line.isascii() and line.isdigit() and 1 <= int(line) <= len(self.choices):
            return self.choices[int(line) - 1]
        return None

    async def handle(self, line: str) -> bool:
        """Process one typed line; False when the person wants to leave."""
        up = self.fake.updates(self.app.bot)
        line = line.strip()
        self._buttons_this_turn = False
        if line in ("@quit", "@exit"):
            return False
        if (choice := self.button(line)) is not None:
            try:
                update = up.press(self.tenant, *choice)
            except LookupError:  # the message or its button is gone
                print("(that button is no longer there)", file=self.out)
                return True
        elif line.startswith("@text"):
            update = up.text(self.tenant, line[len("@text") :].strip() or line)
        elif line.startswith("@photo"):
            update = up.photo(self.tenant, caption=line[len("@photo") :].strip() or None)
        elif line.startswith("@contact"):
            update = up.contact(self.tenant, line[len("@contact") :].strip() or "13800138000")
        elif line == "@sticker":
            update = up.sticker(self.tenant)
        elif line in ("@help", "?"):
            print(HELP, file=self.out)
            return True
        else:
            update = up.text(self.tenant, line)
        await self.app.process_update(update)
        await deliver_due(self.ctx, self.app.bot)
        return True


async def run_console(
    settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> None:
    staff_chat_id = settings.staff_chat_id or -1000000000001
    await open_database(settings.database_url, auto_migrate=settings.is_sqlite)
    try:
        # An earlier session on this database recorded its updates and the cards it sent: continue after
        # them, or the new session's updates count as already handled and card edits hit the wrong message.
        fake = FakeBotApi(first_update_id=(await last_update_id() or 9_999) + 1)
        settings = replace(settings, bot_token=fake.token, staff_chat_id=staff_chat_id)
        ctx = AppContext.build(settings)
        code = {"zh_CN": "zh-hans", "zh_TW": "zh-hant", "en": "en"}[settings.default_locale]
        console = Console(ctx, fake, out, code)
        for chat in (fake.chat(console.tenant), console.staff):
            chat.next_message_id = (await last_message_id(chat.id) or 0) + 1
    except BaseException:
        await close_database()
        raise
    try:
        await console.app.initialize()
        print(HELP, file=out)
        await console.handle("/start")
        while True:
            print("> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line or not await console.handle(line):
                break
    finally:
        await console.app.shutdown()
        await close_database()
