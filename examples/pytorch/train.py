"""A PyTorch ablation trial: a small convolutional network on scikit-learn's handwritten
digits (1,797 images of 8 x 8 pixels, 10 classes; they ship inside scikit-learn, nothing is
downloaded), run by ablate as a command trial (study.toml, small.toml beside this file).

Hyperparameters (baseline in brackets):
  batch_norm [on]    component: batch normalisation after every convolution (off: conv bias);
  residual   [on]    component: skip connections around the two residual blocks;
  dropout    [on]    component: dropout (p = 0.2) before the classifier;
  augment    [on]    component: random shifts of the images by up to one pixel (zero-filled)
                     and Gaussian pixel noise (sd 0.05 on pixels scaled to [0, 1]);
  lr         [0.003] Adam's learning rate, constant (the same at every epoch);
  width      [16]    channels of every convolution;
  epochs     [27]    the fidelity: epochs to train (multi-fidelity rungs 3, 9, 27).

Every random choice depends only on (seed, epoch, batch): the stratified 75/25 split comes
from the seed, and every epoch reseeds its shuffle, augmentation and dropout from (seed,
epoch). So training to epoch 3 and then on to epoch 9 gives the same model as training 9
epochs at once, and so does a trial stopped at any batch and resumed.

Checkpoints: after every epoch the model, the optimiser, the epoch and the random states are
written atomically to checkpoint_dir()/checkpoint.pt. At start the script continues from
ablate_trial.resume_from("checkpoint.pt"): its own checkpoint (a retried or requeued trial),
else the previous rung's ($ABLATE_RESUME_FROM, a multi-fidelity run); a checkpoint already at
or past the target epochs is only evaluated. On SIGTERM (ablate's timeout, Ctrl-C,
cancellation, pruning) it saves where it is, at a batch boundary, and exits 143.

Runs on cuda:0 when PyTorch sees a GPU (ablate gives each trial its own through
CUDA_VISIBLE_DEVICES with --gpus-per-trial), else on the CPU with $OMP_NUM_THREADS threads.
Works with PyTorch 1.13 (Debian's python3-torch) and 2.x.

By hand: `python3 train.py` trains the baseline with seed 0 (checkpoints in ./checkpoints:
a second run resumes from there; --fresh starts over). Flags override the configuration:
  python3 train.py --epochs 9 --lr 0.01 --batch-norm false --seed 3
"""
import argparse
import contextlib
import math
import os
import signal
import sys
import time

# Deterministic cuBLAS on a GPU (read when CUDA starts; harmless on the CPU).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import ablate_trial as ab  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

DEFAULTS = {
    "batch_norm": True,
    "residual": True,
    "dropout": True,
    "augment": True,
    "lr": 0.003,
    "width": 16,
    "epochs": 27,
}
BATCH = 32
CHECKPOINT = "checkpoint.pt"
FORMAT = 1  # checkpoint layout version


def flag(text):
    """A boolean flag value: ablate writes components as true/false."""
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on", "enabled"):
        return True
    if value in ("false", "0", "no", "off", "removed"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def configuration(argv=None):
    """(params, seed, fresh): the defaults, overridden by ABLATE_PARAMS, overridden by flags."""
    parser = argparse.ArgumentParser(description="Train a small CNN on scikit-learn's digits (an ablate command trial).")
    for name in ("batch_norm", "residual", "dropout", "augment"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=flag, help=f"component {name}: true or false (default true)")
    parser.add_argument("--lr", type=float, help="Adam's learning rate (default 0.003)")
    parser.add_argument("--width", type=int, help="channels per convolution (default 16)")
    parser.add_argument("--epochs", type=int, help="epochs to train (default 27)")
    parser.add_argument("--seed", type=int, help="seed (default $ABLATE_SEED, or 0)")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and train from scratch")
    args = parser.parse_args(argv)
    params = ab.params(defaults=DEFAULTS)
    for name in DEFAULTS:
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    seed = args.seed if args.seed is not None else ab.seed(default=0)
    if not (params["lr"] > 0 and params["width"] >= 1 and params["epochs"] >= 0):
        parser.error(f"need lr > 0, width >= 1 and epochs >= 0, not {params}")
    return params, seed, args.fresh


class Block(nn.Module):
    """Two 3x3 convolutions, with an optional skip connection around them."""

    def __init__(self, width, batch_norm, residual):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(
            *conv(width, width, batch_norm), nn.ReLU(),
            *conv(width, width, batch_norm),
        )

    def forward(self, x):
        y = self.body(x)
        return torch.relu(x + y if self.residual else y)


def conv(c_in, c_out, batch_norm):
    if batch_norm:
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out)]
    return [nn.Conv2d(c_in, c_out, 3, padding=1)]


class Net(nn.Module):
    """8x8 -> stem -> block -> 2x2 max pool (4x4) -> block -> global mean -> dropout -> 10."""

    def __init__(self, width, batch_norm, residual, dropout):
        super().__init__()
        self.features = nn.Sequential(
            *conv(1, width, batch_norm), nn.ReLU(),
            Block(width, batch_norm, residual),
            nn.MaxPool2d(2),
            Block(width, batch_norm, residual),
        )
        self.drop = nn.Dropout(0.2) if dropout else nn.Identity()
        self.head = nn.Linear(width, 10)

    def forward(self, x):
        return self.head(self.drop(self.features(x).mean(dim=(2, 3))))


def epoch_seed(seed, epoch, stream):
    """A seed for one epoch's shuffle/augmentation (stream 0) or dropout (stream 1)."""
    return (seed * 1_000_003 + epoch * 7_919 + stream * 104_729) % (2**63 - 1)


def augment(x, gen):
    """Shift every image by -1, 0 or +1 pixels in each direction (zero-filled) and add
    Gaussian noise; the draws come from `gen` (CPU), so CPU and GPU runs see the same."""
    n = x.shape[0]
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    dy = torch.randint(0, 3, (n,), generator=gen)
    dx = torch.randint(0, 3, (n,), generator=gen)
    noise = torch.randn(x.shape, generator=gen) * 0.05
    rows = (dy.view(n, 1) + torch.arange(8)).to(x.device)          # n x 8
    cols = (dx.view(n, 1) + torch.arange(8)).to(x.device)
    idx = torch.arange(n, device=x.device).view(n, 1, 1)
    shifted = padded[:, 0][idx, rows.view(n, 8, 1), cols.view(n, 1, 8)].unsqueeze(1)
    return shifted + noise.to(x.device)


@contextlib.contextmanager
def signals_deferred():
    """SIGTERM/SIGINT that arrive inside wait until the block ends, so the on_stop handler
    never sees a half-done optimiser step."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def load_checkpoint(path):
    """A checkpoint written by save(), on the CPU. torch 2 loads it as plain tensors and
    containers (weights_only); torch 1.13's weights-only loader cannot read floats, so there it
    is unpickled in full: it is this trial's own file, or the previous rung's."""
    weights_only = int(torch.__version__.split(".")[0]) >= 2
    return torch.load(path, map_location="cpu", **({"weights_only": True} if weights_only else {}))


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(1) == y).float().mean().item()
    return loss, accuracy


def main():
    p, seed, fresh = configuration()
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]) > 0:
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = False
        # A few CUDA kernels have no deterministic version: warn instead of failing.
        torch.use_deterministic_algorithms(True, warn_only=True)
        where = f"cuda:0 ({torch.cuda.get_device_name(0)}; CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')})"
    else:
        torch.use_deterministic_algorithms(True)
        where = f"cpu ({torch.get_num_threads()} threads)"
    print(f"train.py: torch {torch.__version__} on {where}", file=sys.stderr, flush=True)

    x, y = load_digits(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)

    def tensors(images, labels):
        images = torch.tensor(np.asarray(images, dtype=np.float32) / 16.0).view(-1, 1, 8, 8)
        return images.to(device), torch.tensor(np.asarray(labels, dtype=np.int64)).to(device)

    x_tr, y_tr = tensors(x_tr, y_tr)
    x_va, y_va = tensors(x_va, y_va)
    n = x_tr.shape[0]
    batches = math.ceil(n / BATCH)

    torch.manual_seed(seed)  # the initial weights
    model = Net(p["width"], p["batch_norm"], p["residual"], p["dropout"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    n_params = sum(t.numel() for t in model.parameters() if t.requires_grad)
    gen = torch.Generator()  # shuffle + augmentation of the current epoch
    identity = {k: v for k, v in p.items() if k != "epochs"}  # what a checkpoint must match
    # Where training stands: epochs done, batches done of the next one, seconds spent
    # training (this run's started epoch not yet counted).
    state = {"epoch": 0, "batch": 0, "train_seconds": 0.0, "started": None}

    def snapshot():
        rng = {"torch": torch.get_rng_state(), "gen": gen.get_state()}
        if device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(device)
        return {
            "format": FORMAT, "config": identity, "seed": seed,
            "epoch": state["epoch"], "batch": state["batch"],
            "train_seconds": state["train_seconds"] + (time.perf_counter() - state["started"] if state["started"] is not None else 0.0),
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": rng,
        }

    def save():
        path = ab.checkpoint_dir() / CHECKPOINT
        tmp = path.with_name(f".{CHECKPOINT}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            torch.save(snapshot(), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    source = None if fresh else ab.resume_from(CHECKPOINT)
    saved_rng = None
    if source is not None:
        ckpt = load_checkpoint(source)
        if ckpt.get("format") != FORMAT or ckpt.get("config") != identity or ckpt.get("seed") != seed:
            sys.exit(
                f"train.py: {source} is a checkpoint of another configuration or seed "
                f"({ckpt.get('config')}, seed {ckpt.get('seed')}; this is {identity}, seed {seed}): "
                "remove it, or pass --fresh"
            )
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        for k in ("epoch", "batch", "train_seconds"):
            state[k] = ckpt[k]
        saved_rng = ckpt["rng"] if ckpt["batch"] else None  # mid-epoch: continue its draws
        print(f"train.py: continuing from {source} (epoch {state['epoch']}, batch {state['batch']})", file=sys.stderr, flush=True)

    ab.on_stop(save)
    target = p["epochs"]
    while state["epoch"] < target:
        epoch = state["epoch"] + 1
        started = state["started"] = time.perf_counter()
        gen.manual_seed(epoch_seed(seed, epoch, 0))
        order = torch.randperm(n, generator=gen)
        torch.manual_seed(epoch_seed(seed, epoch, 1))  # dropout (CPU and every GPU)
        if saved_rng is not None:  # resumed mid-epoch: the same order, the rest of the draws
            gen.set_state(saved_rng["gen"])
            torch.set_rng_state(saved_rng["torch"])
            if device.type == "cuda" and "cuda" in saved_rng:
                torch.cuda.set_rng_state(saved_rng["cuda"], device)
            saved_rng = None
        model.train()
        losses = []
        for b in range(state["batch"], batches):
            with signals_deferred():  # a stop saves before or after a whole step, never inside
                idx = order[b * BATCH:(b + 1) * BATCH].to(device)
                xb = augment(x_tr[idx], gen) if p["augment"] else x_tr[idx]
                loss = nn.functional.cross_entropy(model(xb), y_tr[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                state["batch"] = b + 1
                losses.append(loss.detach())
        if losses and not math.isfinite(torch.stack(losses).sum().item()):
            sys.exit(f"train.py: training diverged in epoch {epoch} (a training loss is not finite)")
        with signals_deferred():
            state["epoch"], state["batch"] = epoch, 0
            state["train_seconds"] += time.perf_counter() - started
            state["started"] = None
            save()
        val_loss, val_accuracy = evaluate(model, x_va, y_va)
        ab.report(epoch, val_loss=val_loss, val_accuracy=val_accuracy)
        print(f"epoch {epoch}: val_loss {val_loss:.4f}, val_accuracy {val_accuracy:.4f}, "
              f"{time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)

    val_loss, val_accuracy = evaluate(model, x_va, y_va)
    if not math.isfinite(val_loss):
        sys.exit(f"train.py: the model's validation loss is {val_loss} (diverged)")
    print(f"train.py: {state['epoch']} epochs, accuracy {val_accuracy:.4f}, loss {val_loss:.4f}, "
          f"{n_params} parameters, {state['train_seconds']:.2f} s training", file=sys.stderr, flush=True)
    ab.result(accuracy=val_accuracy, loss=val_loss, params=n_params, train_seconds=state["train_seconds"])


if __name__ == "__main__":
    main()
