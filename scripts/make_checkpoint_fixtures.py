#!/usr/bin/python3
"""Generate the checkpoint fixtures in tests/fixtures/checkpoints/.

Needs Debian's python3-torch (1.13) and python3-torchvision (0.14); run it with
/usr/bin/python3 from the repository root. The TypeScript tests only read the committed files.

What it writes (all weights random, seeded):
  simclr_r50_w8.ckpt.{index,data-00000-of-00001}
      A ResNet-50 at base width 8 (full depth, 53 convs and 53 batch norms) in the SimCLR
      TensorFlow variable names under base_model/, plus a contrastive head, two /Momentum
      slots and global_step that a loader must skip. TensorFlow is not installable here, so
      write_tensor_bundle() below writes the tensor-bundle format itself (SSTable index with
      BundleEntryProtos and masked CRC-32C, one data shard).
  simclr_tiny_ema.ckpt.{index,data-00000-of-00001}
      A width-4 ResNet with one block per stage, stored twice (base_model/ and ema_model/
      with different weights), as SimCLR v2 checkpoints store an EMA copy.
  mae_vit_tiny.pth
      torch.save({'model': state_dict}) of a torchvision VisionTransformer (image 32, patch 8,
      width 48, depth 2, 3 heads) renamed to the timm keys MAE uses, plus fc_norm.
  torch_dtypes.pth, torch_dtypes_deflate.pth
      float32/float16/bfloat16/float64/int64/int32/bool tensors, a transposed view, a view with
      a storage offset, two tensors sharing a storage and a nested dict. The second file is the
      same archive recompressed with deflate.
  forbidden_global.pth
      A torch-style archive whose pickle calls os.system through GLOBAL + REDUCE (never run).
  *.f32 + arrays.json
      Inputs and expected outputs as raw little-endian float32 with their shapes.

Reference semantics. The ResNet reference follows torchvision's Bottleneck (stride on the 3x3
conv) but pads the way TensorFlow does. Strided convs pad (k-1)//2 before and the rest after,
then run VALID. The 3x3/2 max pool pads SAME with -inf (0 before and 1 after at even sizes).
torchvision pads symmetrically, which differs at even input sizes, so the explicitly padded
variant is used and inputs of both parities (64 and 57 px) are checked. References run in
float64 from the float32 weights that the files store.
"""

import collections
import io
import json
import os
import struct
import zipfile

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

OUT = os.path.join("tests", "fixtures", "checkpoints")
ARRAYS = {}


def save_array(name, array):
    """Store a float array as raw little-endian float32 and remember its shape."""
    array = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    array.tofile(os.path.join(OUT, name + ".f32"))
    ARRAYS[name] = list(array.shape)


# ---------------------------------------------------------------- CRC-32C and tensor bundles

def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0x82F63B78 ^ (c >> 1)) if c & 1 else (c >> 1)
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask_crc(crc):
    rotated = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
    return (rotated + 0xA282EAD8) & 0xFFFFFFFF


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def proto_varint_field(number, value):
    return varint(number << 3) + varint(value)


def proto_bytes_field(number, payload):
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def bundle_entry(dtype_code, shape, offset, size, crc):
    dims = b"".join(proto_bytes_field(2, proto_varint_field(1, d)) for d in shape)
    message = proto_varint_field(1, dtype_code) + proto_bytes_field(2, dims)
    # shard_id (field 3) stays at its default 0: one data shard.
    if offset:
        message += proto_varint_field(4, offset)
    message += proto_varint_field(5, size)
    message += varint((6 << 3) | 5) + struct.pack("<I", crc)
    return message


def table_block(entries, restart_interval):
    """LevelDB block: prefix-compressed keys, restart offsets, restart count."""
    out = bytearray()
    restarts = []
    previous = b""
    for i, (key, value) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value))
        out += key[shared:] + value
        previous = key
    if not restarts:
        restarts.append(0)
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def write_tensor_bundle(prefix, tensors):
    """Write an uncompressed single-shard TensorFlow tensor bundle.

    tensors: dict name -> numpy array (float32 or int64).
    """
    data = bytearray()
    entries = []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        if array.dtype == np.float32:
            code = 1
        elif array.dtype == np.int64:
            code = 9
        else:
            raise ValueError("unsupported dtype %s for %s" % (array.dtype, name))
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        entry = bundle_entry(code, array.shape, len(data), len(raw), mask_crc(crc32c(raw)))
        entries.append((name.encode(), entry))
        data += raw
    header = proto_varint_field(1, 1) + proto_bytes_field(3, proto_varint_field(1, 1))
    entries.insert(0, (b"", header))

    index = bytearray()
    handles = []
    for block, interval in ((entries, 16), ([], 1)):  # data block, empty metaindex block
        contents = table_block(block, interval)
        handles.append((len(index), len(contents)))
        index += contents + b"\x00" + struct.pack("<I", mask_crc(crc32c(contents + b"\x00")))
    data_handle, meta_handle = handles
    index_contents = table_block([(entries[-1][0], varint(data_handle[0]) + varint(data_handle[1]))], 1)
    index_handle = (len(index), len(index_contents))
    index += index_contents + b"\x00" + struct.pack("<I", mask_crc(crc32c(index_contents + b"\x00")))
    footer = varint(meta_handle[0]) + varint(meta_handle[1]) + varint(index_handle[0]) + varint(index_handle[1])
    footer = footer.ljust(40, b"\x00") + struct.pack("<Q", 0xDB4775248B80FB57)
    with open(prefix + ".index", "wb") as f:
        f.write(bytes(index) + footer)
    with open(prefix + ".data-00000-of-00001", "wb") as f:
        f.write(bytes(data))


# ---------------------------------------------------------------- ResNet with TensorFlow padding

def conv_tf(x, weight, stride):
    """SimCLR's conv2d_fixed_padding: explicit pad then VALID when strided, else SAME."""
    k = weight.shape[-1]
    if stride > 1:
        begin = (k - 1) // 2
        x = F.pad(x, (begin, k - 1 - begin, begin, k - 1 - begin))
        return F.conv2d(x, weight, stride=stride)
    return F.conv2d(x, weight, padding=k // 2)


def max_pool_same(x):
    """TensorFlow max_pooling2d(3, 2, 'SAME'): -inf padding split floor before, rest after."""
    pads = []
    for size in (x.shape[3], x.shape[2]):
        out = -(-size // 2)
        total = max((out - 1) * 2 + 3 - size, 0)
        pads += [total // 2, total - total // 2]
    return F.max_pool2d(F.pad(x, pads, value=float("-inf")), 3, 2)


class TfResNet(torch.nn.Module):
    """torchvision's ResNet-50 layout (v1.5 bottlenecks) with TensorFlow padding semantics."""

    def __init__(self, width, layers):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, width, 7, bias=False)
        self.stem_bn = torch.nn.BatchNorm2d(width, eps=1e-5)
        self.blocks = torch.nn.ModuleList()
        channels = width
        for stage, count in enumerate(layers):
            filters = width * 2 ** stage
            for b in range(count):
                block = torch.nn.Module()
                # The first block of stages 2-4 downsamples.
                block.stride = 2 if b == 0 and stage > 0 else 1
                block.projection = b == 0
                if block.projection:
                    block.proj = torch.nn.Conv2d(channels, 4 * filters, 1, bias=False)
                    block.proj_bn = torch.nn.BatchNorm2d(4 * filters, eps=1e-5)
                block.conv1 = torch.nn.Conv2d(channels, filters, 1, bias=False)
                block.bn1 = torch.nn.BatchNorm2d(filters, eps=1e-5)
                block.conv2 = torch.nn.Conv2d(filters, filters, 3, bias=False)
                block.bn2 = torch.nn.BatchNorm2d(filters, eps=1e-5)
                block.conv3 = torch.nn.Conv2d(filters, 4 * filters, 1, bias=False)
                block.bn3 = torch.nn.BatchNorm2d(4 * filters, eps=1e-5)
                self.blocks.append(block)
                channels = 4 * filters

    def forward(self, x):
        x = F.relu(self.stem_bn(conv_tf(x, self.stem.weight, 2)))
        x = max_pool_same(x)
        for block in self.blocks:
            shortcut = x
            if block.projection:
                shortcut = block.proj_bn(conv_tf(x, block.proj.weight, block.stride))
            y = F.relu(block.bn1(conv_tf(x, block.conv1.weight, 1)))
            y = F.relu(block.bn2(conv_tf(y, block.conv2.weight, block.stride)))
            y = block.bn3(conv_tf(y, block.conv3.weight, 1))
            x = F.relu(y + shortcut)
        return x.mean(dim=(2, 3))

    def conv_bn_pairs(self):
        """(conv, bn) pairs in TF1 creation order: stem, then per block shortcut first."""
        pairs = [(self.stem, self.stem_bn)]
        for block in self.blocks:
            if block.projection:
                pairs.append((block.proj, block.proj_bn))
            pairs += [(block.conv1, block.bn1), (block.conv2, block.bn2), (block.conv3, block.bn3)]
        return pairs


def tf_suffix(i):
    return "" if i == 0 else "_%d" % i


def simclr_variables(model, prefix):
    """Map the reference weights to SimCLR names: conv HWIO kernels and BN vectors."""
    out = {}
    for i, (conv, bn) in enumerate(model.conv_bn_pairs()):
        kernel = conv.weight.detach().permute(2, 3, 1, 0).contiguous()  # OIHW -> HWIO
        out["%sconv2d%s/kernel" % (prefix, tf_suffix(i))] = kernel.numpy().astype(np.float32)
        bn_name = "%sbatch_normalization%s/" % (prefix, tf_suffix(i))
        out[bn_name + "gamma"] = bn.weight.detach().numpy().astype(np.float32)
        out[bn_name + "beta"] = bn.bias.detach().numpy().astype(np.float32)
        out[bn_name + "moving_mean"] = bn.running_mean.numpy().astype(np.float32)
        out[bn_name + "moving_variance"] = bn.running_var.numpy().astype(np.float32)
    return out


def randomize_resnet(model, generator):
    """He-normal convs, random affine BN, and moving statistics taken from a calibration batch
    (then perturbed) so activations stay of order one through all blocks."""
    for conv, bn in model.conv_bn_pairs():
        fan_in = conv.weight[0].numel()
        conv.weight.data = torch.randn(conv.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5
        bn.weight.data = torch.rand(bn.weight.shape, generator=generator) * 0.8 + 0.4
        bn.bias.data = torch.randn(bn.bias.shape, generator=generator) * 0.2
        bn.momentum = 1.0
    model.train()
    with torch.no_grad():
        model(torch.rand(8, 3, 64, 64, generator=generator))
    model.eval()
    for _, bn in model.conv_bn_pairs():
        bn.running_mean += torch.randn(bn.running_mean.shape, generator=generator) * 0.05
        bn.running_var *= torch.rand(bn.running_var.shape, generator=generator) * 0.4 + 0.8


def check_against_torchvision():
    """At width 64 the reference must have torchvision resnet50's conv/BN shapes (fc excluded)."""
    ours = TfResNet(64, [3, 4, 6, 3])
    tv = torchvision.models.resnet50()
    tv_pairs = [(tv.conv1, tv.bn1)]
    for stage in (tv.layer1, tv.layer2, tv.layer3, tv.layer4):
        for block in stage:
            if block.downsample is not None:
                tv_pairs.append((block.downsample[0], block.downsample[1]))
            tv_pairs += [(block.conv1, block.bn1), (block.conv2, block.bn2), (block.conv3, block.bn3)]
    mine = ours.conv_bn_pairs()
    assert len(mine) == len(tv_pairs) == 53, (len(mine), len(tv_pairs))
    for (c1, b1), (c2, b2) in zip(mine, tv_pairs):
        assert c1.weight.shape == c2.weight.shape, (c1.weight.shape, c2.weight.shape)
        assert b1.weight.shape == b2.weight.shape
    print("reference ResNet matches torchvision resnet50 conv/BN shapes (53 pairs)")


def make_simclr_fixtures(generator):
    check_against_torchvision()

    model = TfResNet(8, [3, 4, 6, 3])
    randomize_resnet(model, generator)
    # The bundle stores float32; the reference then runs in float64 on exactly those values.
    variables = simclr_variables(model, "base_model/")
    model.double()
    assert sum(k.endswith("/kernel") for k in variables) == 53
    features = 32 * 8
    # Entries a feature-extractor loader must skip.
    variables["head_contrastive/nl_0/dense/kernel"] = np.random.RandomState(1).randn(features, features).astype(np.float32)
    variables["head_supervised/linear_layer/dense/kernel"] = np.random.RandomState(2).randn(features, 10).astype(np.float32)
    variables["head_supervised/linear_layer/dense/bias"] = np.zeros(10, np.float32)
    variables["base_model/conv2d/kernel/Momentum"] = np.zeros_like(variables["base_model/conv2d/kernel"])
    variables["base_model/batch_normalization/gamma/Momentum"] = np.zeros_like(variables["base_model/batch_normalization/gamma"])
    variables["global_step"] = np.array(250228, dtype=np.int64)
    write_tensor_bundle(os.path.join(OUT, "simclr_r50_w8.ckpt"), variables)

    for size in (64, 57):
        images = torch.rand(2, 3, size, size, generator=generator, dtype=torch.float64)
        images = images.float().double()
        with torch.no_grad():
            expected = model(images)
        save_array("simclr_r50_w8_input_%d" % size, images.permute(0, 2, 3, 1).numpy())  # NHWC
        save_array("simclr_r50_w8_features_%d" % size, expected.numpy())

    base = TfResNet(4, [1, 1, 1, 1])
    ema = TfResNet(4, [1, 1, 1, 1])
    variables = {}
    for prefix, net in (("base_model/", base), ("ema_model/", ema)):
        randomize_resnet(net, generator)
        variables.update(simclr_variables(net, prefix))
        net.double()
    write_tensor_bundle(os.path.join(OUT, "simclr_tiny_ema.ckpt"), variables)
    images = torch.rand(2, 3, 40, 40, generator=generator, dtype=torch.float64).float().double()
    save_array("simclr_tiny_input_40", images.permute(0, 2, 3, 1).numpy())
    with torch.no_grad():
        save_array("simclr_tiny_base_features_40", base(images).numpy())
        save_array("simclr_tiny_ema_features_40", ema(images).numpy())


# ---------------------------------------------------------------- ViT in timm names

def timm_state_dict(vit):
    """Rename a torchvision VisionTransformer's weights to the timm keys MAE checkpoints use."""
    sd = vit.state_dict()
    out = collections.OrderedDict()
    out["cls_token"] = sd["class_token"]
    out["pos_embed"] = sd["encoder.pos_embedding"]
    out["patch_embed.proj.weight"] = sd["conv_proj.weight"]
    out["patch_embed.proj.bias"] = sd["conv_proj.bias"]
    for i in range(len(vit.encoder.layers)):
        src = "encoder.layers.encoder_layer_%d." % i
        dst = "blocks.%d." % i
        pairs = [
            ("ln_1", "norm1"),
            ("self_attention.out_proj", "attn.proj"),
            ("ln_2", "norm2"),
            ("mlp.0", "mlp.fc1"),
            ("mlp.3", "mlp.fc2"),
        ]
        out[dst + "norm1.weight"] = sd[src + "ln_1.weight"]
        out[dst + "norm1.bias"] = sd[src + "ln_1.bias"]
        out[dst + "attn.qkv.weight"] = sd[src + "self_attention.in_proj_weight"]
        out[dst + "attn.qkv.bias"] = sd[src + "self_attention.in_proj_bias"]
        for a, b in pairs[1:]:
            out[dst + b + ".weight"] = sd[src + a + ".weight"]
            out[dst + b + ".bias"] = sd[src + a + ".bias"]
    out["norm.weight"] = sd["encoder.ln.weight"]
    out["norm.bias"] = sd["encoder.ln.bias"]
    return out


def interpolate_pos_embed(pos_embed, grid):
    """Bicubic resize of the patch position embeddings (class token kept), as MAE fine-tuning does."""
    cls, patches = pos_embed[:, :1], pos_embed[:, 1:]
    side = int(round(patches.shape[1] ** 0.5))
    dim = patches.shape[2]
    patches = patches.reshape(1, side, side, dim).permute(0, 3, 1, 2)
    patches = F.interpolate(patches, size=grid, mode="bicubic", align_corners=False)
    return torch.cat([cls, patches.permute(0, 2, 3, 1).reshape(1, grid[0] * grid[1], dim)], dim=1)


def vit_outputs(vit, fc_norm, images, patch):
    """Return (cls token after norm, mean of patch tokens after fc_norm) for NCHW images."""
    n = images.shape[0]
    grid = (images.shape[2] // patch, images.shape[3] // patch)
    x = vit.conv_proj(images).reshape(n, vit.hidden_dim, -1).permute(0, 2, 1)
    x = torch.cat([vit.class_token.expand(n, -1, -1), x], dim=1)
    pos = vit.encoder.pos_embedding
    if pos.shape[1] != x.shape[1]:
        pos = interpolate_pos_embed(pos, grid)
    x = vit.encoder.layers(x + pos)
    return vit.encoder.ln(x)[:, 0], fc_norm(x[:, 1:].mean(dim=1)), pos


def make_mae_fixtures(generator):
    torch.manual_seed(5)
    vit = torchvision.models.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=3, hidden_dim=48, mlp_dim=192
    )
    with torch.no_grad():
        for name, p in vit.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.1 + (1.0 if "ln" in name and name.endswith("weight") else 0.0))
        vit.class_token.copy_(torch.randn(vit.class_token.shape, generator=generator) * 0.5)
        vit.encoder.pos_embedding.copy_(torch.randn(vit.encoder.pos_embedding.shape, generator=generator) * 0.5)
    fc_norm = torch.nn.LayerNorm(48, eps=1e-6)
    identity_norm = torch.nn.LayerNorm(48, eps=1e-6)
    with torch.no_grad():
        fc_norm.weight.copy_(torch.rand(48, generator=generator) + 0.5)
        fc_norm.bias.copy_(torch.randn(48, generator=generator) * 0.1)
    vit.eval()

    state = timm_state_dict(vit)
    state["fc_norm.weight"] = fc_norm.weight.detach().clone()
    state["fc_norm.bias"] = fc_norm.bias.detach().clone()
    state = collections.OrderedDict((k, v.detach().float().contiguous()) for k, v in state.items())
    torch.save({"model": state}, os.path.join(OUT, "mae_vit_tiny.pth"))

    vit.double()
    fc_norm.double()
    identity_norm.double()
    for size in (32, 48):
        images = torch.rand(2, 3, size, size, generator=generator, dtype=torch.float64).float().double()
        with torch.no_grad():
            cls, pooled, pos = vit_outputs(vit, fc_norm, images, 8)
            _, pooled_identity, _ = vit_outputs(vit, identity_norm, images, 8)
        save_array("mae_vit_tiny_input_%d" % size, images.permute(0, 2, 3, 1).numpy())  # NHWC
        save_array("mae_vit_tiny_cls_%d" % size, cls.numpy())
        save_array("mae_vit_tiny_pooled_%d" % size, pooled.numpy())
        save_array("mae_vit_tiny_pooled_identity_fc_norm_%d" % size, pooled_identity.numpy())
        save_array("mae_vit_tiny_pos_embed_%d" % size, pos.detach().numpy())


# ---------------------------------------------------------------- reader edge cases

def fixed_time_entry(name, method):
    """A ZIP entry dated 1980-01-01 so that reruns write identical files."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = method
    return info


def make_torch_dtype_fixtures():
    base = torch.arange(20, dtype=torch.float32).reshape(4, 5) / 8 - 1
    shared = torch.arange(6, dtype=torch.float32)
    state = collections.OrderedDict()
    state["float32"] = torch.tensor([[1.5, -2.25, 3.0], [0.1, 0.2, 0.3]], dtype=torch.float32)
    state["float16"] = torch.tensor([1.0, -0.5, 65504.0, 6.1035156e-05, 5.9604645e-08], dtype=torch.float16)
    state["bfloat16"] = torch.tensor([1.0, -3.140625, 1e30, -1e-30], dtype=torch.bfloat16)
    state["float64"] = torch.tensor([1.0 / 3.0, -2.5], dtype=torch.float64)
    state["int64"] = torch.tensor([-3, 2**40, 7], dtype=torch.int64)
    state["num_batches_tracked"] = torch.tensor(12345, dtype=torch.int64)
    state["int32"] = torch.tensor([[1, -2], [3, -4]], dtype=torch.int32)
    state["bool"] = torch.tensor([True, False, True])
    state["transposed"] = base.t()  # non-contiguous: shape [5, 4], stride [1, 5]
    state["offset_view"] = base[1:, 2:]  # storage offset 7, stride [5, 1]
    state["shared_a"] = shared[:3]
    state["shared_b"] = shared[2:].reshape(2, 2)
    checkpoint = {"model": state, "nested": {"inner": {"weight": torch.ones(2, 2)}}, "epoch": 7, "name": "fixture"}
    path = os.path.join(OUT, "torch_dtypes.pth")
    torch.save(checkpoint, path)

    expected = {
        "float32": state["float32"].flatten().tolist(),
        "float16": state["float16"].float().tolist(),
        "bfloat16": state["bfloat16"].float().tolist(),
        "float64": state["float64"].tolist(),
        "int64": [str(v) for v in state["int64"].tolist()],
        "num_batches_tracked": [str(state["num_batches_tracked"].item())],
        "int32": state["int32"].flatten().tolist(),
        "bool": [int(v) for v in state["bool"].tolist()],
        "transposed": state["transposed"].contiguous().flatten().tolist(),
        "offset_view": state["offset_view"].contiguous().flatten().tolist(),
        "shared_a": state["shared_a"].tolist(),
        "shared_b": state["shared_b"].flatten().tolist(),
    }
    shapes = {k: list(v.shape) for k, v in state.items()}
    with open(os.path.join(OUT, "torch_dtypes.json"), "w") as f:
        json.dump({"values": expected, "shapes": shapes}, f, indent=1)

    # The same archive with every entry deflated.
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(os.path.join(OUT, "torch_dtypes_deflate.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(fixed_time_entry(info.filename, zipfile.ZIP_DEFLATED), src.read(info.filename))

    # GLOBAL os.system, the argument tuple ('echo unsafe',), REDUCE, STOP. Never unpickled here.
    payload = b"\x80\x02cos\nsystem\nq\x00X\x0b\x00\x00\x00echo unsafeq\x01\x85q\x02Rq\x03."
    with zipfile.ZipFile(os.path.join(OUT, "forbidden_global.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr(fixed_time_entry("archive/data.pkl", zipfile.ZIP_STORED), payload)
        z.writestr(fixed_time_entry("archive/version", zipfile.ZIP_STORED), "3\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    # One thread keeps float reductions in a fixed order, so reruns write identical files.
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(20240521)
    torch.manual_seed(0)
    make_simclr_fixtures(generator)
    make_mae_fixtures(generator)
    make_torch_dtype_fixtures()
    with open(os.path.join(OUT, "arrays.json"), "w") as f:
        json.dump(ARRAYS, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %.2f MB, to %s" % (len(os.listdir(OUT)), total / 1e6, OUT))


if __name__ == "__main__":
    main()
