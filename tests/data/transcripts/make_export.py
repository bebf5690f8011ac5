#!/usr/bin/env python3
"""Builds the Slack workspace exports in this directory from their .chat sources.

A .chat file is an incident channel written the way people talk, one message a
line, so it stays readable and reviewable; this script turns it into the
standard export layout the product reads (users.json, channels.json,
<channel>/<YYYY-MM-DD>.json, day files by UTC date). Run it after editing a
.chat file and commit both:  python3 make_export.py

Source lines:
  = channel <name> <id>                  the channel
  = user <id> <handle> <display>|<real>  a person (display may be empty)
  = date YYYY-MM-DD                      the UTC date of the lines that follow
  HH:MM:SS <handle> [flags]: <text>      a message
Flags, space separated inside [ ]: join, leave, bot=<Name>, edited=HH:MM:SS,
pin, react=<emoji>[,<emoji>], thread=HH:MM:SS (the parent's time, same or an
earlier date: YYYY-MM-DDTHH:MM:SS), broadcast (a thread reply also sent to
the channel), file=<name>.
"""
import calendar
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = re.compile(r"^(\d\d:\d\d:\d\d) (\S+)(?: \[([^\]]*)\])?: ?(.*)$")


def epoch(day, hms):
    y, m, d = (int(x) for x in day.split("-"))
    hh, mm, ss = (int(x) for x in hms.split(":"))
    return calendar.timegm((y, m, d, hh, mm, ss, 0, 0, 0))


def build(source):
    channel = channel_id = None
    users = {}  # handle -> user object
    day = None
    messages = []  # (day, message)
    by_time = {}  # "YYYY-MM-DDTHH:MM:SS" -> ts
    with open(source, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for number, raw in enumerate(lines, 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("= "):
            parts = raw[2:].split(" ", 3)
            if parts[0] == "channel":
                channel, channel_id = parts[1], parts[2]
            elif parts[0] == "user":
                display, _, real = parts[3].partition("|")
                users[parts[2]] = {
                    "id": parts[1], "team_id": "T0HSDEMO", "name": parts[2], "deleted": False,
                    "real_name": real, "is_bot": False,
                    "profile": {"real_name": real, "display_name": display, "display_name_normalized": display},
                }
            elif parts[0] == "date":
                day = parts[1]
            else:
                sys.exit(f"{source}:{number}: unknown directive {parts[0]}")
            continue
        match = LINE.match(raw)
        if not match or day is None:
            sys.exit(f"{source}:{number}: unreadable line")
        hms, who, flags, text = match.groups()
        flags = dict((f.split("=", 1) + [""])[:2] for f in (flags or "").split())
        seconds = epoch(day, hms)
        ts = "%d.%06d" % (seconds, 100 + number)
        by_time[f"{day}T{hms}"] = ts
        m = {"type": "message", "text": text, "ts": ts}
        if "bot" in flags:
            m.update({"subtype": "bot_message", "bot_id": "B0" + flags["bot"].upper()[:8], "username": flags["bot"]})
        else:
            if who not in users:
                sys.exit(f"{source}:{number}: unknown user {who}")
            user = users[who]
            m.update({"user": user["id"], "team": "T0HSDEMO",
                      "user_profile": {"real_name": user["real_name"], "display_name": user["profile"]["display_name"],
                                       "name": who}})
            if "join" in flags or "leave" in flags:
                kind = "join" if "join" in flags else "leave"
                m["subtype"] = "channel_" + kind
                m["text"] = f"<@{user['id']}> has {'joined' if kind == 'join' else 'left'} the channel"
        if "edited" in flags:
            m["edited"] = {"user": m.get("user", ""), "ts": "%d.000000" % epoch(day, flags["edited"])}
        if "pin" in flags:
            m["pinned_to"] = [channel_id]
        if "react" in flags:
            m["reactions"] = [{"name": r, "users": [users[next(iter(users))]["id"]], "count": 1}
                              for r in flags["react"].split(",")]
        if "file" in flags:
            m["subtype"] = "file_share"
            m["files"] = [{"id": "F0" + str(number), "name": flags["file"], "title": flags["file"]}]
        if "thread" in flags:
            parent_key = flags["thread"] if "T" in flags["thread"] else f"{day}T{flags['thread']}"
            if parent_key not in by_time:
                sys.exit(f"{source}:{number}: no parent message at {parent_key}")
            m["thread_ts"] = by_time[parent_key]
            m["parent_user_id"] = "U0"
            if "broadcast" in flags:
                m["subtype"] = "thread_broadcast"
        messages.append((day, m))

    # Parents carry reply counts, as exports do.
    replies = {}
    for _, m in messages:
        if "thread_ts" in m:
            replies.setdefault(m["thread_ts"], []).append(m)
    for _, m in messages:
        if m["ts"] in replies:
            m["thread_ts"] = m["ts"]
            m["reply_count"] = len(replies[m["ts"]])
            m["replies"] = [{"user": r.get("user", ""), "ts": r["ts"]} for r in replies[m["ts"]]]

    out = os.path.join(HERE, os.path.splitext(os.path.basename(source))[0])
    os.makedirs(os.path.join(out, channel), exist_ok=True)
    for name in os.listdir(os.path.join(out, channel)):
        os.remove(os.path.join(out, channel, name))
    days = {}
    for d, m in messages:
        days.setdefault(d, []).append(m)
    for d, items in days.items():
        with open(os.path.join(out, channel, d + ".json"), "w", encoding="utf-8") as f:
            json.dump(items, f, indent=1, ensure_ascii=False)
            f.write("\n")
    with open(os.path.join(out, "users.json"), "w", encoding="utf-8") as f:
        json.dump(list(users.values()), f, indent=1, ensure_ascii=False)
        f.write("\n")
    first = min(int(float(m["ts"])) for _, m in messages)
    with open(os.path.join(out, "channels.json"), "w", encoding="utf-8") as f:
        json.dump([{"id": channel_id, "name": channel, "created": first, "creator": next(iter(users.values()))["id"],
                    "is_archived": False, "is_general": False, "members": [u["id"] for u in users.values()],
                    "topic": {"value": "", "creator": "", "last_set": 0},
                    "purpose": {"value": "", "creator": "", "last_set": 0}}], f, indent=1)
        f.write("\n")
    people = sum(1 for _, m in messages if "bot_id" not in m and "subtype" not in m or m.get("subtype") in
                 ("thread_broadcast", "file_share"))
    print(f"{os.path.basename(out)}: {len(messages)} messages ({people} from people) in {len(days)} day file(s)")


if __name__ == "__main__":
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".chat"):
            build(os.path.join(HERE, name))
