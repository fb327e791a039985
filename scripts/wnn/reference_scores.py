#!/usr/bin/env python3
"""Independent reference for the WNN tests: reads a BTHOWeN-style model with h5py and computes
the class scores with numpy exactly as Zero Gravity's reference inference does (float threshold
comparison `pixel >= 255*t` in float32, permutation, little-endian packing, (x^3 mod p) mod E^H,
base-E digits, AND over the hashes, sum over the filters).

    pip install numpy h5py pillow
    python3 scripts/wnn/reference_scores.py MODEL.hdf5 [IMAGE.png]

Prints the model's attributes and checksums of its datasets, then the scores and the first
argmax for the PNG (first channel) and for three generated images (all 0, all 255, and
pixel k = (37*k + 11) mod 256), the numbers `host/zkml/tests/wnn.rs` asserts.
"""
import sys

import h5py
import numpy as np


def scores(f, img):
    a = {k: int(v) for k, v in f.attrs.items()}
    t = f["binarization_thresholds"][:].astype(np.float32) * np.float32(255.0)
    bpi = a["bits_per_input"]
    bits = []
    for b in range(bpi):
        bits.extend((img.astype(np.float32) >= t[:, :, b]).reshape(-1).tolist())
    order = f["input_order"][:]
    perm = [bits[int(i)] for i in order]
    n = a["num_filter_inputs"]
    xs = []
    for c in range(0, len(perm), n):
        x = 0
        for bit in reversed(perm[c:c + n]):
            x = (x << 1) | int(bit)
        xs.append(x)
    e, hashes, p = a["num_filter_entries"], a["num_filter_hashes"], a["p"]
    bloom = f["bloom_filters"][:]
    out = []
    for cls in range(a["num_classes"]):
        s = 0
        for fi, x in enumerate(xs):
            h = (x ** 3 % p) % (e ** hashes)
            idx = [(h // e ** i) % e for i in range(hashes)]
            s += all(bloom[cls, fi, i] for i in idx)
        out.append(s)
    return out


def main():
    f = h5py.File(sys.argv[1], "r")
    print({k: int(v) for k, v in f.attrs.items()})
    t = f["binarization_thresholds"][:]
    print("bloom bits set", int(f["bloom_filters"][:].sum()),
          "threshold sum (ceil 255t)", int(np.ceil(t.astype(np.float32) * np.float32(255)).sum()),
          "input_order[:10]", f["input_order"][:10].tolist())
    w = t.shape[0]
    imgs = []
    if len(sys.argv) > 2:
        from PIL import Image
        imgs.append((sys.argv[2], np.asarray(Image.open(sys.argv[2]).convert("RGB"))[:, :, 0]))
    imgs.append(("zeros", np.zeros((w, w), np.uint8)))
    imgs.append(("255s", np.full((w, w), 255, np.uint8)))
    imgs.append(("37k+11", ((37 * np.arange(w * w) + 11) % 256).astype(np.uint8).reshape(w, w)))
    for name, img in imgs:
        s = scores(f, img)
        print(name, s, int(np.argmax(s)))


if __name__ == "__main__":
    main()
