"""A trial for the Slurm tests: a quadratic in lr with seeded noise, and behaviours by mode.

mode=ok: finishes at once. mode=slow / mode=hang: on the first attempt sleeps for ten minutes
(the test cancels the first, the Slurm time limit kills the second), later attempts finish.
mode=fail: always exits 3 with a message on stderr. mode=noisy: noise of its own per (seed, lr),
sd 0.05, so small changes need many seeds. An optional fourth argument, a level (epochs, a
model size), adds 1/level to the loss and makes lr's effect grow with it. Every start is appended to $EXEC_LOG, so a
test counts executions per trial.
"""
import json
import os
import random
import sys
import time

mode, lr, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
level = float(sys.argv[4]) if len(sys.argv) > 4 else None
trial_dir = os.environ["ABLATE_TRIAL_DIR"]
with open(os.environ["EXEC_LOG"], "a") as log:
    log.write(os.environ["ABLATE_TRIAL_ID"] + "\n")
marker = os.path.join(trial_dir, "attempted")
first = not os.path.exists(marker)
open(marker, "w").close()
if mode in ("slow", "hang") and first:
    time.sleep(600)
if mode == "fail":
    print("boom: this configuration always fails", file=sys.stderr)
    sys.exit(3)
noise = random.Random(f"{seed}-{lr}" if mode == "noisy" else seed).gauss(0.0, 0.05 if mode == "noisy" else 0.01)
growth = 1.0 if level is None else 1.0 + level / 10.0
loss = (lr - 0.1) ** 2 * growth + noise + (0.0 if level is None else 1.0 / level)
print("ABLATE_RESULT " + json.dumps({"loss": loss}))
