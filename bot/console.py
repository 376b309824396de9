"""`qingchu chat`: play the tenant against the real handlers, database and triage, without Telegram.

The in-process Bot API fake stands in for Telegram; buttons are shown as numbered choices.
"""

import asyncio
import sys
from dataclasses import replace
from typing import TextIO

from backend.config import Settings
from backend.context import AppContext
from backend.db import close_database, open_database

from .app import build_application
from .delivery import deliver_due
from .transport import FakeBotApi
from .transport.model import StoredMessage

HELP = """Type as a tenant would. Also:
  1, 2, …          press the numbered button of the latest message
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
        fake.subscribe(self._show)

    def _show(self, event: str, item: object) -> None:
        if not isinstance(item, StoredMessage) or event == "deleted" or not item.outgoing:
            return
        where = "staff group" if item.chat_id == self.staff.id else "bot"
        prefix = f"[{where}{', edited' if event == 'edited' else ''}]"
        print(f"\n{prefix} {item.text or item.caption or '[media]'}", file=self.out)
        if item.chat_id != self.tenant.id:
            return
        labels = [label for row in item.buttons for label, _ in row]
        if labels:
            self.choices = [(item, label) for label in labels]
            print("   " + "   ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)), file=self.out)

    async def handle(self, line: str) -> bool:
        """Process one typed line; False when the person wants to leave."""
        up = self.fake.updates(self.app.bot)
        line = line.strip()
        if line in ("@quit", "@exit"):
            return False
        if line.isdigit() and self.choices:
            index = int(line) - 1
            if not 0 <= index < len(self.choices):
                print("(no such button)", file=self.out)
                return True
            message, label = self.choices[index]
            update = up.press(self.tenant, message, label)
        elif line.startswith("@photo"):
            update = up.photo(self.tenant, caption=line[len("@photo"):].strip() or None)
        elif line.startswith("@contact"):
            update = up.contact(self.tenant, line[len("@contact"):].strip() or "13800138000")
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


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    fake = FakeBotApi()
    settings = replace(settings, bot_token=fake.token, staff_chat_id=settings.staff_chat_id or -1000000000001)
    await open_database(settings.database_url, auto_migrate=settings.is_sqlite)
    ctx = AppContext.build(settings)
    code = {"zh_CN": "zh-hans", "zh_TW": "zh-hant", "en": "en"}[settings.default_locale]
    console = Console(ctx, fake, out, code)
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
