"""Play a life against a BaoLife server from the terminal, through ``GameClient``.

Start a server (``uv run baolife serve``, or ``uv run python examples/ws_server.py
--forever``), then::

    uv run python examples/play_cli.py ws://127.0.0.1:8001/ [--device ID]
    uv run python examples/play_cli.py ws://127.0.0.1:8001/ --auto 50 [--seed 7]

Interactive, it shows a menu: status, an activity, answer a pending question,
claim the daily reward, an energy refill, quit. With ``--auto N`` it plays N
seeded random moves without asking and prints a short summary. Questions come as
``event_prompt`` pushes; the client keeps them so they can be answered.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
from collections import Counter
from typing import Any

import structlog

from baolife_core import load_catalog
from baolife_transport_ws.client import GameClient

REFILLS = ("small", "half", "full")
SKIPS = ("finish_activity", "one_hour", "to_tomorrow", "one_week")


class Player:
    """A client, the prompts it was pushed, and what it did."""

    def __init__(self, client: GameClient) -> None:
        self.client = client
        self.prompts: dict[str, dict[str, Any]] = {}  # pending questions by id
        self.outcomes: Counter[str] = Counter()  # "ok" or the error code
        self.resting: set[str] = set()  # kinds that will be refused again
        self.activities = load_catalog().activities.activities

    def collect_prompts(self) -> None:
        """Keep the event_prompt pushes received so far (others are counted)."""
        for push in self.client.drain_pushes():
            self.outcomes[f"push:{push['type']}"] += 1
            if push["type"] == "event_prompt":
                self.prompts[push["question_id"]] = push

    async def view(self) -> dict[str, Any]:
        reply = await self.client.request("get_state")
        state: dict[str, Any] = reply["state"]
        character = state["character"]
        pending = {q["id"] for q in character["questions"]} if character else set()
        self.prompts = {k: v for k, v in self.prompts.items() if k in pending}
        return state

    async def act(self, kind: str, **fields: Any) -> dict[str, Any]:
        reply = await (await self.client.act(kind, **fields))
        self.outcomes[reply["code"] if reply["type"] == "error" else "ok"] += 1
        self.collect_prompts()
        return reply

    def eligible(self, character: dict[str, Any]) -> list[str]:
        """Activities the character's age, school and job allow (the daily caps,
        energy and money may still refuse them)."""
        age, career = character["age"], character["career"]
        has = {"school": career["school"] is not None, "job": career["job"] is not None}
        return [
            a.id
            for a in self.activities
            if a.min_age <= age <= a.max_age and (a.requires is None or has[a.requires])
        ]


def status(state: dict[str, Any]) -> str:
    account, character = state["account"], state["character"]
    money = f"{account['diamonds']} diamonds, energy {account['energy']}"
    if character is None:
        return f"no character yet; {money}"
    alive = "alive" if character["alive"] else "dead"
    return (
        f"{character['name']}, {character['age']} ({character['stage']}, {alive}); "
        f"{money}; day {state['clock']['game_day']}"
    )


def candidates(
    player: Player, state: dict[str, Any]
) -> list[tuple[int, str, dict[str, Any]]]:
    """The moves worth trying on this view, each with a weight."""
    character = state["character"]
    if character is None or not character["alive"]:
        return [(1, "create_character", {})]
    moves: list[tuple[int, str, dict[str, Any]]] = [
        (5, "answer_question", {"question_id": qid, "choice": choice["id"]})
        for qid, prompt in sorted(player.prompts.items())
        for choice in prompt["choices"]
    ]
    if state["account"]["energy"] < 40:
        moves += [(4, "purchase_energy_refill", {"refill_type": r}) for r in REFILLS]
    if character["busy_until_game_ms"] > state["clock"]["game_time_ms"]:
        moves.append((6, "purchase_time_skip", {"skip_type": "finish_activity"}))
    else:
        moves += [
            (3, "do_activity", {"activity": a}) for a in player.eligible(character)
        ]
    moves += [(1, "purchase_time_skip", {"skip_type": s}) for s in SKIPS[1:]]
    moves.append((1, "claim_daily_reward", {}))
    if character["age"] >= 3:
        moves += [
            (1, "start_conversation", {"npc_id": person["id"]})
            for person in character["family"]
            if person["alive"]
        ]
    # A kind refused rate_limited or already_claimed rests for the rest of the run.
    return [move for move in moves if move[1] not in player.resting]


async def auto_move(player: Player, rng: random.Random) -> str:
    """One seeded random move, weighted among the candidates; its kind."""
    moves = candidates(player, await player.view())
    if not moves:  # everything left is resting: let the time pass
        await player.client.request("ping")
        return "wait"
    _, kind, fields = rng.choices(moves, weights=[m[0] for m in moves])[0]
    reply = await player.act(kind, **fields)
    if reply.get("code") in {"rate_limited", "already_claimed"}:
        player.resting.add(kind)
    return kind


async def play_auto(player: Player, moves: int, seed: int) -> None:
    rng = random.Random(seed)
    kinds: Counter[str] = Counter()
    for _ in range(moves):
        kinds[await auto_move(player, rng)] += 1
    state = await player.view()
    refused = {k: v for k, v in player.outcomes.items() if k != "ok" and ":" not in k}
    pushes = {k[5:]: v for k, v in player.outcomes.items() if k.startswith("push:")}
    print(f"moves: {moves}")
    print("by kind:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(
        f"accepted: {player.outcomes['ok']}, refused: {sum(refused.values())}", refused
    )
    print("pushes:", pushes)
    print("status:", status(state))


MENU = """
1 status   2 activity   3 answer a question   4 daily reward   5 refill   q quit"""


async def ask(prompt: str) -> str:
    return (await asyncio.to_thread(input, prompt)).strip()


async def play_interactive(player: Player) -> None:
    while True:
        print(MENU)
        choice = await ask("> ")
        player.collect_prompts()
        state = await player.view()
        character = state["character"]
        if choice == "q":
            return
        if choice == "1":
            print(status(state))
            for prompt in player.prompts.values():
                print(f"  question: {prompt['title']}: {prompt['text']}")
        elif choice == "2":
            if character is None or not character["alive"]:
                print(await player.act("create_character"))
                continue
            options = player.eligible(character)
            print("activities:", ", ".join(options))
            print(await player.act("do_activity", activity=await ask("activity: ")))
        elif choice == "3":
            if not player.prompts:
                print("no question is waiting")
                continue
            prompt = next(iter(player.prompts.values()))
            print(f"{prompt['title']}: {prompt['text']}")
            for option in prompt["choices"]:
                print(f"  {option['id']}: {option['text']}")
            picked = await ask("choice: ")
            print(
                await player.act(
                    "answer_question", question_id=prompt["question_id"], choice=picked
                )
            )
        elif choice == "4":
            print(await player.act("claim_daily_reward"))
        elif choice == "5":
            tier = await ask(f"tier ({', '.join(REFILLS)}): ")
            print(await player.act("purchase_energy_refill", refill_type=tier))


def quiet_logs() -> None:
    """The client's own log lines: warnings and above, on stderr."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server, e.g. ws://127.0.0.1:8001/")
    parser.add_argument("--device", default=None, help="device id (a UUID)")
    parser.add_argument("--auto", type=int, metavar="N", help="play N random moves")
    parser.add_argument("--seed", type=int, default=1, help="seed of --auto")
    args = parser.parse_args(argv)
    quiet_logs()
    # No --device: the client makes up a new device id (a new player).
    async with GameClient(args.url, device_id=args.device) as client:
        print(f"player {client.player_id}")
        player = Player(client)
        if args.auto is not None:
            await play_auto(player, args.auto, args.seed)
        else:
            await play_interactive(player)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
