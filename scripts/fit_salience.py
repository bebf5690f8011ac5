#!/usr/bin/env python3
"""Fit the timeline's salience weights and measure them leave-one-incident-out.

    python3 scripts/fit_salience.py --bin build/hindsight --drafteval DIR [--more tests/data/drafteval]
                                    [--extra tests/data/transcripts] [--table]

DIR is an evaluation set laid out like drafteval (make_exports.py, transcripts/*.txt with gold
key moments). For every incident channel the script asks the binary for each message's features
(`hindsight draft --explain-json`), then:

  * leave-one-incident-out: fits a class-weighted logistic regression on all channels but one,
    sets the threshold so that the training channels keep the same share of messages the
    product keeps, and reports, for the held-out channel, the gold moments whose message scores
    at or above it (after the density budget) and the share of messages kept;
  * fits once more on every channel and, with --table, prints the C++ weight table for
    bot/core/salience.cpp.

--extra DIR adds the project's own channels (tests/data/transcripts: a Slack export per channel
and NAME.expect.json whose key_moments, text and time, are the gold) to the training data of
every fold; they are never held out.

Message-level figures: the draft merges bursts and adds key events, so its own recall (score.py)
can differ a little. Standard library only.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("fit_salience: `%s` failed: %s" % (" ".join(cmd), p.stderr[-2000:]))
    return p.stdout


def load(binary, drafteval, make_exports=None, transcripts=None):
    out = tempfile.mkdtemp(prefix="hs-fit-")
    export, gold_dir = os.path.join(out, "export"), os.path.join(out, "gold")
    cmd = [sys.executable, make_exports or os.path.join(drafteval, "make_exports.py"), "--out", export,
           "--gold-dir", gold_dir, "-q"]
    if transcripts:
        cmd += ["--transcripts", transcripts]
    run(cmd)
    meta = json.load(open(os.path.join(gold_dir, "meta.json")))
    channels = {}
    for channel in meta["channels"]:
        gold = {g["ts"] for g in json.load(open(os.path.join(gold_dir, channel + ".json")))}
        rows = [json.loads(line) for line in
                run([binary, "draft", "--slack-export", export, "--channel", channel, "--explain-json"]).splitlines()]
        channels[channel] = [(r["features"], 1 if r["message_id"] in gold else 0, r["outcome"] == "noise")
                             for r in rows]
    return channels


def load_extra(binary, directory):
    """The project's transcripts: key moments named by time (UTC, to the second) and text."""
    import datetime as dt
    rows = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".expect.json"):
            continue
        expect = json.load(open(os.path.join(directory, name)))
        export = os.path.join(directory, name[: -len(".expect.json")])
        moments = []
        for m in expect["key_moments"]:
            at = dt.datetime.strptime(m["at"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
            moments.append((int(at.timestamp()), " ".join(m["text"].split())[:30].lower()))
        out = run([binary, "draft", "--slack-export", export, "--channel", expect["channel"], "--explain-json"])
        for line in out.splitlines():
            r = json.loads(line)
            second, text = r["at_us"] // 1000000, r["text"].lower()
            gold = any(second == s and t in text for s, t in moments)
            rows.append((r["features"], 1 if gold else 0, r["outcome"] == "noise"))
    return rows


def fit(rows, names, l2=0.01, rounds=400, rate=0.5):
    w = [0.0] * (len(names) + 1)
    pos = sum(t for _, t, _ in rows)
    weight_pos = (len(rows) - pos) / max(pos, 1)
    for _ in range(rounds):
        grad = [0.0] * len(w)
        for f, t, _ in rows:
            x = [f[n] for n in names] + [1.0]
            z = sum(a * b for a, b in zip(w, x))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            e = (p - t) * (weight_pos if t else 1.0)
            for j, xj in enumerate(x):
                grad[j] += e * xj
        for j in range(len(w)):
            w[j] -= rate * (grad[j] / len(rows) + l2 * w[j])
    return w


def score(w, f, names):
    return sum(w[i] * f[n] for i, n in enumerate(names)) + w[-1]


def select(w, rows, names, threshold, budget):
    """Indexes kept: not noise, at or above the threshold, at most `budget` of the messages."""
    scored = [(score(w, f, names), i) for i, (f, _, noise) in enumerate(rows) if not noise]
    above = sorted((s, i) for s, i in scored if s >= threshold)[::-1]
    room = max(20, int(budget * len(rows)))
    return {i for _, i in above[:room]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--drafteval", required=True, help="directory with make_exports.py and transcripts/")
    ap.add_argument("--more", action="append", default=[],
                    help="another directory of transcripts in the same format (read with --drafteval's "
                         "make_exports.py); its channels are held out in turn like the others")
    ap.add_argument("--held-out", help="a directory of transcripts never trained on: scored with the final fit")
    ap.add_argument("--extra", help="directory of the project's own transcripts (always trained on)")
    ap.add_argument("--keep", type=float, default=0.35, help="share of training messages at the threshold")
    ap.add_argument("--budget", type=float, default=0.33, help="density budget (as in the product)")
    ap.add_argument("--table", action="store_true", help="print the C++ weight table")
    args = ap.parse_args()

    channels = load(os.path.abspath(args.bin), args.drafteval)
    for more in args.more:
        channels.update(load(os.path.abspath(args.bin), args.drafteval,
                             os.path.join(args.drafteval, "make_exports.py"), os.path.join(more, "transcripts")))
    names = sorted(next(iter(channels.values()))[0][0].keys())
    extra = load_extra(os.path.abspath(args.bin), args.extra) if args.extra else []

    def threshold_for(w, rows):
        scores = sorted((score(w, f, names) for f, _, noise in rows if not noise), reverse=True)
        k = min(len(scores) - 1, int(args.keep * len(rows)))
        return scores[k]

    print("%-24s %6s %6s" % ("held out", "recall", "kept"))
    recalls, kept_shares = [], []
    for held in channels:
        train = [r for c, rows in channels.items() if c != held for r in rows] + extra
        w = fit(train, names)
        thr = threshold_for(w, train)
        rows = channels[held]
        kept = select(w, rows, names, thr, args.budget)
        gold = [i for i, (_, t, _) in enumerate(rows) if t]
        recall = sum(1 for i in gold if i in kept) / len(gold)
        share = len(kept) / len(rows)
        recalls.append(recall)
        kept_shares.append(share)
        print("%-24s %6.2f %6.2f" % (held, recall, share))
    print("leave-one-out: recall %.3f (worst %.2f), kept share worst %.2f" %
          (sum(recalls) / len(recalls), min(recalls), max(kept_shares)))

    everything = [r for rows in channels.values() for r in rows] + extra
    w = fit(everything, names)
    thr = threshold_for(w, everything)
    # The product's threshold is 0: fold it into the bias.
    w[-1] -= thr
    recalls = []
    for c, rows in channels.items():
        kept = select(w, rows, names, 0.0, args.budget)
        gold = [i for i, (_, t, _) in enumerate(rows) if t]
        recalls.append(sum(1 for i in gold if i in kept) / len(gold))
    print("in-sample: recall %.3f (worst %.2f)" % (sum(recalls) / len(recalls), min(recalls)))
    if args.held_out:
        unseen = load(os.path.abspath(args.bin), args.drafteval, os.path.join(args.drafteval, "make_exports.py"),
                      os.path.join(args.held_out, "transcripts"))
        recalls = []
        for c, rows in unseen.items():
            kept = select(w, rows, names, 0.0, args.budget)
            gold = [i for i, (_, t, _) in enumerate(rows) if t]
            recalls.append(sum(1 for i in gold if i in kept) / len(gold))
            print("held out %-22s recall %.2f kept %.2f" % (c, recalls[-1], len(kept) / len(rows)))
        print("held-out set: recall %.3f (worst %.2f)" % (sum(recalls) / len(recalls), min(recalls)))
    if args.table:
        for n, v in zip(names, w):
            print('    {"%s", %.2f},' % (n, v))
        print("constexpr double bias = %.2f;" % w[-1])


if __name__ == "__main__":
    main()
