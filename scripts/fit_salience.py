#!/usr/bin/env python3
"""Fit the timeline's salience weights and measure them leave-one-incident-out.

    python3 scripts/fit_salience.py --bin build/hindsight [--drafteval DIR] [--more tests/data/drafteval]
                                    [--extra tests/data/transcripts] [--table]

DIR is an evaluation set laid out like tests/data/drafteval (transcripts/*.txt with gold key
moments, docs/drafteval.md); scripts/drafteval.py turns them into Slack exports. Without
--drafteval and --more, the repository's tests/data/drafteval is read. For every incident
channel the script asks the binary for each message's features
(`hindsight draft --explain-json`), then:

  * leave-one-incident-out: fits the weights on all channels but one and reports, for the
    held-out channel, the gold moments whose message is among the highest scores the product
    keeps (the density budget) and the share of messages kept;
  * fits once more on every channel and, with --table, prints the C++ weight table for
    bot/core/salience.cpp.

The fit is a pairwise ranking: within each channel, every (key moment, other message) pair should
score the key moment higher (logistic loss on the score difference, L2-regularised). The draft
keeps the top of each channel, so only the order inside a channel matters; a team that writes long
messages, or never uses a word class, does not shift the fit the way a global classifier would.
The bias then only places the threshold: it is set so that on the training channels --keep of the
messages score at or above 0, so the threshold drops what is clearly chatter and the budget
decides the rest.

--extra DIR adds the project's own channels (tests/data/transcripts: a Slack export per channel
and NAME.expect.json whose key_moments, text and time, are the gold) to the training data of
every fold; they are never held out.

Message-level figures: the draft merges bursts and adds key events, so its own recall (score.py)
can differ a little. Needs numpy (Debian: python3-numpy).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("fit_salience: `%s` failed: %s" % (" ".join(cmd), p.stderr[-2000:]))
    return p.stdout


EXPORTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drafteval.py")


def load(binary, transcripts):
    out = tempfile.mkdtemp(prefix="hs-fit-")
    export, gold_dir = os.path.join(out, "export"), os.path.join(out, "gold")
    run([sys.executable, EXPORTER, "export", "--out", export, "--gold-dir", gold_dir, "-q",
         "--transcripts", transcripts])
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
    """The project's transcripts, one list of rows per channel: key moments named by time (UTC,
    to the second) and text."""
    import datetime as dt
    channels = []
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
        rows = []
        for line in out.splitlines():
            r = json.loads(line)
            second, text = r["at_us"] // 1000000, r["text"].lower()
            gold = any(second == s and t in text for s, t in moments)
            rows.append((r["features"], 1 if gold else 0, r["outcome"] == "noise"))
        channels.append(rows)
    return channels


def matrix(rows, names):
    """(features, gold, noise) rows of one channel -> numpy arrays."""
    X = np.array([[f[n] for n in names] for f, _, _ in rows], dtype=float)
    y = np.array([t for _, t, _ in rows], dtype=float)
    noise = np.array([nz for _, _, nz in rows], dtype=bool)
    return X, y, noise


def fit(groups, l2=0.1, rounds=600, rate=0.5, weights=None):
    """Weights (no bias) from within-channel pairs: key moment minus any other non-noise message.
    `weights` (one per group, default 1) counts a group's pairs that many times."""
    diffs, counts = [], []
    for k, (X, y, noise) in enumerate(groups):
        gold, other = X[y > 0], X[(y == 0) & ~noise]
        if len(gold) and len(other):
            diffs.append((gold[:, None, :] - other[None, :, :]).reshape(-1, X.shape[1]))
            counts.append(np.full(len(diffs[-1]), weights[k] if weights else 1.0))
    D, c = np.vstack(diffs), np.concatenate(counts)
    w = np.zeros(D.shape[1])
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-np.clip(D @ w, -30.0, 30.0)))
        w -= rate * (-(D.T @ (c * (1.0 - p))) / c.sum() + l2 * w)
    return w


def bias_for(w, groups, keep):
    """The bias that puts `keep` of the training messages (noise aside) at or above 0."""
    scores = np.sort(np.concatenate([X[~noise] @ w for X, _, noise in groups]))[::-1]
    total = sum(len(X) for X, _, _ in groups)
    return -scores[min(len(scores) - 1, int(keep * total))]


def select(s, noise, budget):
    """Indexes kept: not noise, at or above 0, at most `budget` of the messages (at least 20)."""
    order = [i for i in np.argsort(-s, kind="stable") if not noise[i] and s[i] >= 0]
    return set(order[:max(20, int(budget * len(s)))])


def recall(w, bias, group, budget):
    X, y, noise = group
    kept = select(X @ w + bias, noise, budget)
    gold = np.nonzero(y)[0]
    return sum(1 for i in gold if i in kept) / len(gold), len(kept) / len(X)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--drafteval", help="an evaluation set: a directory with transcripts/")
    ap.add_argument("--more", action="append", default=[],
                    help="another directory with transcripts/ in the same format; its channels are held out "
                         "in turn like the others")
    ap.add_argument("--held-out", help="a directory of transcripts never trained on: scored with the final fit")
    ap.add_argument("--extra", help="directory of the project's own transcripts (always trained on)")
    ap.add_argument("--keep", type=float, default=0.6, help="share of training messages at or above the threshold")
    ap.add_argument("--budget", type=float, default=0.34, help="density budget (as in the product)")
    ap.add_argument("--l2", type=float, default=0.1, help="L2 regularisation of the ranking fit")
    ap.add_argument("--extra-weight", type=float, default=1.0,
                    help="how many times an --extra channel counts: they hold what the product must keep "
                         "beyond the evaluation set's kinds (the first hypotheses, for one)")
    ap.add_argument("--table", action="store_true", help="print the C++ weight table")
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    sets = ([args.drafteval] if args.drafteval else []) + args.more
    channels = {}
    for directory in sets or [os.path.join(os.path.dirname(EXPORTER), "..", "tests", "data", "drafteval")]:
        channels.update(load(binary, os.path.join(directory, "transcripts")))
    names = sorted(next(iter(channels.values()))[0][0].keys())
    groups = {c: matrix(rows, names) for c, rows in channels.items()}
    extra = [matrix(rows, names) for rows in load_extra(binary, args.extra)] if args.extra else []

    print("%-26s %6s %6s" % ("held out", "recall", "kept"))
    recalls, kept_shares = [], []
    for held in groups:
        train = [g for c, g in groups.items() if c != held] + extra
        w = fit(train, args.l2, weights=[1.0] * (len(groups) - 1) + [args.extra_weight] * len(extra))
        r, share = recall(w, bias_for(w, train, args.keep), groups[held], args.budget)
        recalls.append(r)
        kept_shares.append(share)
        print("%-26s %6.2f %6.2f" % (held, r, share))
    print("leave-one-out: recall %.3f (worst %.2f), kept share worst %.2f" %
          (sum(recalls) / len(recalls), min(recalls), max(kept_shares)))

    everything = list(groups.values()) + extra
    w = fit(everything, args.l2, weights=[1.0] * len(groups) + [args.extra_weight] * len(extra))
    bias = bias_for(w, everything, args.keep)
    recalls = [recall(w, bias, g, args.budget)[0] for g in groups.values()]
    print("in-sample: recall %.3f (worst %.2f)" % (sum(recalls) / len(recalls), min(recalls)))
    if args.held_out:
        unseen = load(binary, os.path.join(args.held_out, "transcripts"))
        recalls = []
        for c, rows in unseen.items():
            r, share = recall(w, bias, matrix(rows, names), args.budget)
            recalls.append(r)
            print("held out %-22s recall %.2f kept %.2f" % (c, r, share))
        print("held-out set: recall %.3f (worst %.2f)" % (sum(recalls) / len(recalls), min(recalls)))
    if args.table:
        for n, v in zip(names, w):
            print('    {"%s", %.2f},' % (n, v))
        print("constexpr double bias = %.2f;" % bias)


if __name__ == "__main__":
    main()
