#!/usr/bin/python3
"""PyTorch versions of the TF.js benchmark workloads (bench/workloads/*.ts).

Same architectures, batch sizes, losses and optimizers as the TF.js side; inputs are random
tensors of the right shape. The TS runner (bench/suite.ts) starts this script with Debian's
python3-torch and reads the last stdout line: "RESULT " + JSON with the fields of RunResult
in bench/harness.ts.

    /usr/bin/python3 bench/pytorch/workloads.py --workload resnet20 --batch 64 --threads 2 \
        --warmup 2 --steps 20 --seconds 6 [--memory-steps 1000]

Timed steps stop after --steps steps or once --seconds have passed, but never before
MIN_TIMED_STEPS. With --memory-steps N the script runs N steps and reports the live tensors
(torch tensors reachable by the garbage collector) and RSS after the first and the last.
"""

import argparse
import gc
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

MIN_TIMED_STEPS = 3
DISTINCT_BATCHES = 4
NUM_CLASSES = 10


# Dense autoencoder 784-1000-500-250-30 and mirrored decoder (bench/workloads/dense-autoencoder.ts).

AUTOENCODER_SIZES = [784, 1000, 500, 250, 30, 250, 500, 1000, 784]
CODE_LAYER = 4  # index in AUTOENCODER_SIZES of the linear code


class DenseAutoencoder(nn.Module):
    """Sigmoid hidden units, linear code; returns reconstruction logits."""

    def __init__(self):
        super().__init__()
        pairs = zip(AUTOENCODER_SIZES[:-1], AUTOENCODER_SIZES[1:])
        self.layers = nn.ModuleList(nn.Linear(fan_in, fan_out) for fan_in, fan_out in pairs)

    def forward(self, x):
        for index, layer in enumerate(self.layers, start=1):
            x = layer(x)
            if index not in (CODE_LAYER, len(AUTOENCODER_SIZES) - 1):
                x = torch.sigmoid(x)
        return x


def dense_autoencoder_step(batch_size):
    model = DenseAutoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [torch.rand(batch_size, AUTOENCODER_SIZES[0]) for _ in range(DISTINCT_BATCHES)]

    def step(index):
        x = batches[index % DISTINCT_BATCHES]
        optimizer.zero_grad(set_to_none=True)
        loss = F.binary_cross_entropy_with_logits(model(x), x)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


# DCGAN of lib/generative/ganNetworks.ts with the UnconditionalGan defaults (bench/workloads/dcgan.ts).

LATENT_DIM = 64
BASE_FILTERS = 32
REAL_LABEL = 0.9
LEAKY_SLOPE = 0.2


class Generator(nn.Module):
    """z [B, 64] -> dense 7*7*4f -> BN -> ReLU -> convT 2f /2 -> BN -> ReLU -> convT 1 /2 -> tanh."""

    def __init__(self):
        super().__init__()
        f = BASE_FILTERS
        self.dense = nn.Linear(LATENT_DIM, 7 * 7 * 4 * f, bias=False)
        self.dense_norm = nn.BatchNorm1d(7 * 7 * 4 * f, eps=1e-3, momentum=0.01)
        # padding 1 with kernel 4, stride 2 doubles the size, as TF "same" padding does.
        self.up1 = nn.ConvTranspose2d(4 * f, 2 * f, 4, stride=2, padding=1, bias=False)
        self.up1_norm = nn.BatchNorm2d(2 * f, eps=1e-3, momentum=0.01)
        self.up2 = nn.ConvTranspose2d(2 * f, 1, 4, stride=2, padding=1)

    def forward(self, z):
        x = F.relu(self.dense_norm(self.dense(z)))
        x = x.view(-1, 4 * BASE_FILTERS, 7, 7)  # [B, 4f, 7, 7]
        x = F.relu(self.up1_norm(self.up1(x)))  # [B, 2f, 14, 14]
        return torch.tanh(self.up2(x))  # [B, 1, 28, 28]


class Discriminator(nn.Module):
    """image [B, 1, 28, 28] -> conv f /2 -> LeakyReLU -> conv 2f /2 -> LeakyReLU -> dense 1 (logit)."""

    def __init__(self):
        super().__init__()
        f = BASE_FILTERS
        self.conv1 = nn.Conv2d(1, f, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(f, 2 * f, 4, stride=2, padding=1)
        self.score = nn.Linear(7 * 7 * 2 * f, 1)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), LEAKY_SLOPE)  # [B, f, 14, 14]
        x = F.leaky_relu(self.conv2(x), LEAKY_SLOPE)  # [B, 2f, 7, 7]
        return self.score(torch.flatten(x, 1))  # [B, 1]


def dcgan_step(batch_size):
    generator, discriminator = Generator(), Discriminator()
    generator_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    discriminator_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    batches = [torch.rand(batch_size, 1, 28, 28) * 2 - 1 for _ in range(DISTINCT_BATCHES)]
    real_target = torch.full((batch_size, 1), REAL_LABEL)
    fake_target = torch.zeros(batch_size, 1)
    generator_target = torch.ones(batch_size, 1)

    def step(index):
        real = batches[index % DISTINCT_BATCHES]
        with torch.no_grad():
            fake = generator(torch.randn(batch_size, LATENT_DIM))
        discriminator_optimizer.zero_grad(set_to_none=True)
        discriminator_loss = F.binary_cross_entropy_with_logits(discriminator(real), real_target) + (
            F.binary_cross_entropy_with_logits(discriminator(fake), fake_target)
        )
        discriminator_loss.backward()
        discriminator_optimizer.step()

        # As in TF.js, the generator update computes no gradient for the discriminator's weights.
        discriminator.requires_grad_(False)
        generator_optimizer.zero_grad(set_to_none=True)
        scores = discriminator(generator(torch.randn(batch_size, LATENT_DIM)))
        generator_loss = F.binary_cross_entropy_with_logits(scores, generator_target)
        generator_loss.backward()
        generator_optimizer.step()
        discriminator.requires_grad_(True)
        if not math.isfinite(generator_loss.item()):
            raise RuntimeError(f"dcgan: the generator loss is {generator_loss.item()}.")
        return discriminator_loss.item()

    return step


# ResNet-20 of lib/models/resnet20.ts, option-B shortcuts (bench/workloads/resnet20.ts).


def conv_bn(in_channels, out_channels, kernel_size, stride):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels, eps=1e-5, momentum=0.1),
    )


class BasicBlock(nn.Module):
    def __init__(self, in_channels, filters, stride):
        super().__init__()
        self.conv1 = conv_bn(in_channels, filters, 3, stride)
        self.conv2 = conv_bn(filters, filters, 3, 1)
        projected = stride != 1 or in_channels != filters
        self.shortcut = conv_bn(in_channels, filters, 1, stride) if projected else nn.Identity()

    def forward(self, x):
        y = self.conv2(F.relu(self.conv1(x)))
        return F.relu(y + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self, blocks_per_stage=3, num_classes=NUM_CLASSES):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, 1)
        blocks, channels = [], 16
        for stage, filters in enumerate((16, 32, 64)):
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                blocks.append(BasicBlock(channels, filters, stride))
                channels = filters
        self.blocks = nn.Sequential(*blocks)
        self.logits = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))  # [B, 64, 8, 8]
        return self.logits(x.mean(dim=(2, 3)))


# Small ViT of lib/models/vitTrainable.ts, CIFAR_VIT (bench/workloads/vit.ts).

VIT_PATCH, VIT_WIDTH, VIT_DEPTH, VIT_HEADS, VIT_MLP_RATIO = 4, 128, 4, 4, 4


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        batch, tokens, width = x.shape
        head_width = width // self.heads
        # [B, T, 3, H, hd] -> [3, B, H, T, hd]
        qkv = self.qkv(x).view(batch, tokens, 3, self.heads, head_width).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = (q * head_width**-0.5) @ k.transpose(-2, -1)  # [B, H, T, T]
        context = scores.softmax(dim=-1) @ v  # [B, H, T, hd]
        return self.proj(context.transpose(1, 2).reshape(batch, tokens, width))


class Block(nn.Module):
    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=1e-6)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=1e-6)
        self.fc1 = nn.Linear(width, width * mlp_ratio)
        self.fc2 = nn.Linear(width * mlp_ratio, width)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class VisionTransformer(nn.Module):
    def __init__(self, image_size=32, num_classes=NUM_CLASSES):
        super().__init__()
        tokens = (image_size // VIT_PATCH) ** 2
        self.patch_embed = nn.Conv2d(3, VIT_WIDTH, VIT_PATCH, stride=VIT_PATCH)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, VIT_WIDTH))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens + 1, VIT_WIDTH))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.Sequential(*(Block(VIT_WIDTH, VIT_HEADS, VIT_MLP_RATIO) for _ in range(VIT_DEPTH)))
        self.norm = nn.LayerNorm(VIT_WIDTH, eps=1e-6)
        self.head = nn.Linear(VIT_WIDTH, num_classes)

    def forward(self, images):
        x = self.patch_embed(images).flatten(2).transpose(1, 2)  # [B, T, D]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def classifier_step(model, batch_size):
    """Softmax cross-entropy on standard-normal NCHW images and random labels, Adam 1e-3."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [(torch.randn(batch_size, 3, 32, 32), torch.randint(NUM_CLASSES, (batch_size,))) for _ in range(DISTINCT_BATCHES)]

    def step(index):
        images, labels = batches[index % DISTINCT_BATCHES]
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


WORKLOADS = {
    "dense-ae": dense_autoencoder_step,
    "dcgan": dcgan_step,
    "resnet20": lambda batch_size: classifier_step(ResNet20(), batch_size),
    "vit": lambda batch_size: classifier_step(VisionTransformer(), batch_size),
}


def resident_bytes():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def live_tensors():
    return sum(1 for obj in gc.get_objects() if torch.is_tensor(obj))


def timed_steps(step, first_index, batch_size, max_steps, seconds):
    rates, losses = [], []
    deadline = time.perf_counter() + seconds
    while len(rates) < max_steps:
        if len(rates) >= MIN_TIMED_STEPS and time.perf_counter() > deadline:
            break
        start = time.perf_counter()
        loss = step(first_index + len(rates))
        rates.append(batch_size / (time.perf_counter() - start))
        if not math.isfinite(loss):
            raise RuntimeError(f"the training loss is {loss}; the step diverged.")
        losses.append(loss)
    return rates, losses


def description(threads):
    config = torch.__config__.show()
    blas = next((part.split("=")[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")), "unknown")
    mkldnn = "oneDNN on" if torch.backends.mkldnn.is_available() else "no oneDNN"
    return f"PyTorch {torch.__version__} (CPU, {threads} thread{'s' if threads != 1 else ''}, BLAS {blas}, {mkldnn})"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    parser.add_argument("--batch", type=int, required=True, help="examples per step")
    parser.add_argument("--threads", type=int, required=True, help="threads for torch.set_num_threads")
    parser.add_argument("--warmup", type=int, default=2, help="untimed warm-up steps before the timed ones")
    parser.add_argument("--steps", type=int, default=20, help="maximum timed steps")
    parser.add_argument("--seconds", type=float, default=6.0, help="stop timed steps after this many seconds")
    parser.add_argument("--memory-steps", type=int, help="run this many steps and report tensors and RSS")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.batch < 1 or args.threads < 1 or args.steps < 1 or args.warmup < 0:
        parser.error("--batch, --threads and --steps must be >= 1, --warmup >= 0")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    step = WORKLOADS[args.workload](args.batch)
    memory = None
    if args.memory_steps is not None:
        if args.memory_steps < 2:
            parser.error("--memory-steps must be >= 2")
        step(0)
        start_tensors, start_rss = live_tensors(), resident_bytes()
        rates, losses = timed_steps(step, 1, args.batch, args.memory_steps - 1, math.inf)
        memory = {
            "steps": args.memory_steps,
            "startTensors": start_tensors,
            "endTensors": live_tensors(),
            "startRssBytes": start_rss,
            "endRssBytes": resident_bytes(),
        }
        warmup = 0
    else:
        for index in range(args.warmup):
            step(index)
        rates, losses = timed_steps(step, args.warmup, args.batch, args.steps, args.seconds)
        warmup = args.warmup

    result = {
        "runtime": "pytorch",
        "config": f"pytorch-{args.threads}",
        "description": description(args.threads),
        "workload": args.workload,
        "batchSize": args.batch,
        "threads": args.threads,
        "warmupSteps": warmup,
        "examplesPerSecond": rates,
        "tensorCounts": [],
        "losses": losses,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    if memory is not None:
        result["memory"] = memory
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
