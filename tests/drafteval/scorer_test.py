#!/usr/bin/env python3
"""scripts/drafteval.py on a small transcript and a stand-in binary whose draft is fixed: recall,
compression, order and noise as docs/drafteval.md defines them, the exit status, the export it
writes and a malformed transcript refused with its file and line. Run by ctest."""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "drafteval.py"

TRANSCRIPT = """\
# title: Checkout errors
# date: 2026-03-02
# person: alice | Alice Moreau | alice | SRE | Europe/Paris
# person: bob | Bob Stone | bob | Payments | Europe/London
---
09:00:00 +alice
09:00:10 alice | checkout 5xx at 18% since 08:58 {gold=detection:5xx,18%; thread=t}
09:00:30 bob | looking {reply=t}
09:01:00 !alertmanager | FIRING checkout_error_rate
09:02:00 bob | rolled back deploy 4411 on every pod {gold=action:rolled back,4411; react=+1:alice}
09:03:00 alice | 👍
09:04:00 bob | errors back to baseline {gold=mitigation:baseline; edited=30; pin}
09:05:00 alice | thanks @bob
"""

# The draft the stand-in prints: its Timeline section is the only part the scorer reads.
DRAFTS = {
    # two of three moments, in order, and one acknowledgement.
    "partial": ["checkout 5xx at 18% since 08:58", "rolled back deploy 4411 on every pod", "👍"],
    # all three, in order, nothing else.
    "all": ["checkout 5xx at 18% since 08:58", "rolled back deploy 4411 on every pod", "errors back to baseline"],
    # all three, the last before the first.
    "swapped": ["errors back to baseline", "checkout 5xx at 18% since 08:58", "rolled back deploy 4411 on every pod"],
}

STAND_IN = """\
#!/usr/bin/env python3
import sys
args = sys.argv[1:]
assert args[:2] == ["draft", "--slack-export"] and args[3] == "--channel", args
entries = %r
print("# Postmortem draft\\n\\n## Timeline\\n")
for i, text in enumerate(entries):
    print("- **09:0%%d UTC** · message · Alice — %%s" %% (i, text))
print("\\n## Impact\\n\\n- none")
"""


class Scorer(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        (self.dir / "transcripts").mkdir()
        (self.dir / "transcripts" / "inc-checkout.txt").write_text(TRANSCRIPT, encoding="utf-8")

    def tearDown(self):
        self.tmp.cleanup()

    def stand_in(self, draft):
        path = self.dir / ("bin-" + draft)
        path.write_text(STAND_IN % (DRAFTS[draft],), encoding="utf-8")
        path.chmod(0o755)
        return path

    def score(self, draft, *extra):
        return subprocess.run([sys.executable, str(SCRIPT), "--bin", str(self.stand_in(draft)), "--transcripts",
                               str(self.dir / "transcripts"), "-v", *extra], capture_output=True, text=True)

    def test_recall_compression_and_noise(self):
        p = self.score("partial", "--min-recall", "0.5")
        # 2 of 3 found; 3 entries over 6 human messages; the 👍 entry is noise, so a mark is missed.
        self.assertIn("recall=0.67 compression=0.50 order_ok=1/1 noise_leak=1", p.stdout)
        self.assertIn("baseline", p.stdout)  # -v names the missed moment
        self.assertEqual(p.returncode, 1, p.stderr)

    def test_every_mark_met(self):
        p = self.score("all", "--max-compression", "0.5")
        self.assertIn("recall=1.00 compression=0.50 order_ok=1/1 noise_leak=0", p.stdout)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # The same draft over the default compression mark (0.35) fails.
        self.assertEqual(self.score("all").returncode, 1)

    def test_moments_out_of_order(self):
        p = self.score("swapped", "--max-compression", "0.5")
        self.assertIn("order_ok=0/1", p.stdout)
        self.assertEqual(p.returncode, 1)

    def test_export_and_gold(self):
        out, gold = self.dir / "export", self.dir / "gold"
        subprocess.run([sys.executable, str(SCRIPT), "export", "--transcripts", str(self.dir / "transcripts"),
                        "--out", str(out), "--gold-dir", str(gold), "-q"], check=True)
        users = {u["name"]: u for u in json.loads((out / "users.json").read_text())}
        self.assertEqual(users["alice"]["profile"]["real_name"], "Alice Moreau")
        self.assertEqual(users["alice"].get("tz"), "Europe/Paris")
        channels = json.loads((out / "channels.json").read_text())
        self.assertEqual([c["name"] for c in channels], ["inc-checkout"])
        day = json.loads((out / "inc-checkout" / "2026-03-02.json").read_text())
        self.assertEqual(len(day), 8)
        self.assertEqual(day[0]["subtype"], "channel_join")
        root, reply = day[1], day[2]
        self.assertEqual(reply["thread_ts"], root["ts"])
        self.assertEqual(root["reply_count"], 1)
        self.assertEqual(day[3]["subtype"], "bot_message")
        self.assertEqual(day[4]["reactions"][0]["users"], [users["alice"]["id"]])
        self.assertIn("edited", day[6])
        self.assertIn("pinned_to", day[6])
        self.assertEqual(day[7]["text"], "thanks <@%s>" % users["bob"]["id"])
        stamps = [float(m["ts"]) for m in day]
        self.assertEqual(stamps, sorted(stamps))
        moments = json.loads((gold / "inc-checkout.json").read_text())
        self.assertEqual([m["kind"] for m in moments], ["detection", "action", "mitigation"])
        self.assertEqual(moments[1]["ts"], day[4]["ts"])
        self.assertIn("inc-checkout", json.loads((gold / "meta.json").read_text())["channels"])

    def test_malformed_transcript_names_file_and_line(self):
        bad = TRANSCRIPT.replace("{gold=mitigation:baseline;", "{gold=mitigation:recovered;")
        (self.dir / "transcripts" / "inc-checkout.txt").write_text(bad, encoding="utf-8")
        p = self.score("all")
        self.assertEqual(p.returncode, 2)
        self.assertIn("inc-checkout.txt:12:", p.stderr)
        self.assertIn("'recovered'", p.stderr)


if __name__ == "__main__":
    unittest.main()
