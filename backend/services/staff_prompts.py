"""A staff member's reply to a card's prompt: the command it completes and the prompt's end, one commit."""

from tortoise.transactions import in_transaction

from ..domain.commands import Command
from .actors import Actor
from .cases import CaseService, Change
from .dialogs import remove_dialog


async def complete(
    cases: CaseService, command: Command, actor: Actor, chat_id: int, user_id: int
) -> Change:
    """Carry out `command` and end `user_id`'s prompt in `chat_id` in the same transaction.

    So the same update handled twice (an instance that crashed before marking it done hands it on)
    applies the command once: the second time there is no prompt left to reply to. `handle` opens its
    own transaction, which nests in this one as a savepoint; the prompt's end runs in this one, so a
    failure there rolls the command back too.
    """
    async with in_transaction():
        change = await cases.handle(command, actor)
        await remove_dialog(chat_id, user_id)
    return change
