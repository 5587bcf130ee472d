"""The interop study's trial: a few "epochs" of a made-up learning curve, reported with
ABLATE_REPORT lines, then accuracy and loss. The sgd configuration fails on replicate 1."""
import json
import math
import os
import random
import sys

params = json.loads(os.environ["ABLATE_PARAMS"])
seed = int(os.environ["ABLATE_SEED"])
if params["optimizer"] == "sgd" and os.environ["ABLATE_REPLICATE"] == "1":
    print("diverged: loss is nan", file=sys.stderr)
    sys.exit(3)
rng = random.Random(f"{seed} {sorted(params.items())}")  # noise differs by config and seed
quality = 0.8 - 0.05 * abs(math.log10(params["lr"]) + 1) + (0.03 if params["aug/flip"] else 0.0)
for epoch in range(1, 4):
    train_loss = (1.0 - quality) * 3 / epoch + rng.random() * 0.01
    print("ABLATE_REPORT " + json.dumps({"step": epoch, "train_loss": train_loss}), flush=True)
accuracy = quality + rng.gauss(0.0, 0.01) + params["width"] * 1e-4
print("ABLATE_RESULT " + json.dumps({"accuracy": accuracy, "loss": 1.0 - accuracy + rng.random() * 0.001}))
