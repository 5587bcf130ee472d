"""A tiny training script for ablate: logistic regression by gradient descent on a
synthetic two-class data set, in plain Python (no packages needed).

ablate runs it once per trial. It reads the trial's configuration from the command line
(--lr, --epochs, --seed) and from the environment (ABLATE_PARAMS, a JSON object with every
parameter, including the component `feature_scaling`), reports a learning curve with
`ABLATE_REPORT` lines, and writes its metrics as JSON to ABLATE_RESULT_FILE.
Run it by hand too: `python3 train.py --lr 0.1 --epochs 20 --seed 1`.
"""

import argparse
import json
import math
import os
import random


def make_data(rng, n):
    """Two overlapping classes in 2-D; the second feature is on a much larger scale."""
    rows = []
    for _ in range(n):
        label = rng.random() < 0.5
        x1 = rng.gauss(1.0 if label else -1.0, 1.0)
        x2 = rng.gauss(10.0 if label else -10.0, 200.0)
        rows.append(((x1, x2), 1.0 if label else 0.0))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    params = json.loads(os.environ.get("ABLATE_PARAMS", "{}"))
    scaling = params.get("feature_scaling", True)

    rng = random.Random(args.seed)
    data = make_data(rng, 600)
    train, test = data[:400], data[400:]
    if scaling:  # standardise with the training set's mean and spread
        cols = list(zip(*[x for x, _ in train]))
        means = [sum(c) / len(c) for c in cols]
        sds = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(cols, means)]
        rescale = lambda x: tuple((v - m) / s for v, m, s in zip(x, means, sds))
        train = [(rescale(x), y) for x, y in train]
        test = [(rescale(x), y) for x, y in test]

    w, b = [0.0, 0.0], 0.0

    def predict(x):
        z = max(-30.0, min(30.0, w[0] * x[0] + w[1] * x[1] + b))
        return 1.0 / (1.0 + math.exp(-z))

    def loss_on(rows):
        eps = 1e-12
        return -sum(y * math.log(predict(x) + eps) + (1 - y) * math.log(1 - predict(x) + eps) for x, y in rows) / len(rows)

    for epoch in range(1, args.epochs + 1):
        rng.shuffle(train)
        for x, y in train:
            g = predict(x) - y
            w[0] -= args.lr * g * x[0]
            w[1] -= args.lr * g * x[1]
            b -= args.lr * g
        print("ABLATE_REPORT " + json.dumps({"step": epoch, "train_loss": loss_on(train)}), flush=True)

    accuracy = sum((predict(x) >= 0.5) == (y == 1.0) for x, y in test) / len(test)
    result = {"accuracy": accuracy, "loss": loss_on(test)}
    path = os.environ.get("ABLATE_RESULT_FILE")
    if path:  # write to a temporary name, then rename: ablate never sees half a file
        with open(path + ".tmp", "w") as f:
            json.dump(result, f)
        os.replace(path + ".tmp", path)
    else:
        print("ABLATE_RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
