"""PyTorch CPU training of the same MLP: python train_torch.py N

The network of bench/ours/train.js (30→32→16→3, ReLU, dropout 0.2), Adam, cross-entropy,
batch 32, the same epochs, data and split, on one thread. The loop does the work our train()
does: loss of the untrained model on the training rows, per epoch a shuffle, the mini-batches
and an eval pass over the validation rows, then the final training loss. It indexes tensors
directly rather than going through a DataLoader, which would be several times slower.
"""

import os
import sys

import numpy as np
import torch
from torch import nn

from common import CONFIG, data_dir, emit, measure

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
SETTINGS = CONFIG["training"]

n = int(sys.argv[1])
d = SETTINGS["inputSize"]
x = torch.from_numpy(np.fromfile(os.path.join(data_dir(n), "train_x.f32"), dtype="<f4").reshape(n, d))
y = torch.from_numpy(np.fromfile(os.path.join(data_dir(n), "train_y.i32"), dtype="<i4").astype(np.int64))
train_rows = n - round(n * SETTINGS["validationShare"])
x_train, y_train, x_val, y_val = x[:train_rows], y[:train_rows], x[train_rows:], y[train_rows:]


def network():
    layers = []
    width = d
    for hidden in SETTINGS["hiddenLayers"]:
        layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(SETTINGS["dropout"])]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, SETTINGS["classes"]))


def evaluate(model, features, labels):
    model.eval()
    with torch.no_grad():
        logits = model(features)
        loss = nn.functional.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(1) == labels).float().mean().item()
    return loss, accuracy


def run():
    torch.manual_seed(CONFIG["seed"])
    model = network()
    optimizer = torch.optim.Adam(model.parameters(), lr=SETTINGS["learningRate"])
    loss_fn = nn.CrossEntropyLoss()
    batch = SETTINGS["batchSize"]
    evaluate(model, x_train, y_train)
    val_accuracy = 0.0
    for _ in range(SETTINGS["epochs"]):
        model.train()
        order = torch.randperm(train_rows)
        for start in range(0, train_rows, batch):
            rows = order[start : start + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
        _, val_accuracy = evaluate(model, x_val, y_val)
    train_loss, _ = evaluate(model, x_train, y_train)
    return {"finalValAccuracy": val_accuracy, "finalTrainLoss": train_loss}


timing, result = measure(run)
emit({"n": n, "trainRows": train_rows, "epochs": SETTINGS["epochs"], **timing, "check": result})
