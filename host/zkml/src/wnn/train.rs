//! The bundled example's data and training: synthetic 28×28 digits rendered from a 5×7 bitmap
//! font (seeded jitter, stroke intensity, thickness and background noise; no data set is
//! downloaded), and one-shot Bloom-filter training (BTHOWeN without counting filters or
//! bleaching: every training sample sets the entries its hashes index in its class's filters).
//!
//! `cargo run -p zkaccel-zkml --example wnn_train` writes the example model with these
//! functions; a test checks that the committed file is what they produce.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::model::{argmax, WnnModel};

/// The 5×7 glyphs of the digits 0–9, seven rows of five cells each ('#' = ink).
const FONT: [[&str; 7]; 10] = [
    [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
    ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
    [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
    ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
    ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
    ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
    ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
    ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
    [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
    [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
];

/// Image side.
pub const WIDTH: usize = 28;

fn glyph(digit: usize) -> Vec<bool> {
    FONT[digit].iter().flat_map(|row| row.chars().map(|c| c == '#')).collect()
}

/// One synthetic digit image: the glyph at 3× scale, shifted by up to ±2 pixels, ink 150–255,
/// strokes thickened by one pixel with probability ½, sparse background noise.
pub fn synthetic_digit(digit: usize, rng: &mut impl Rng) -> Vec<u8> {
    let g = glyph(digit);
    let mut img = vec![0u8; WIDTH * WIDTH];
    let (dy, dx) = (rng.gen_range(-2i32..=2), rng.gen_range(-2i32..=2));
    let thick = rng.gen_bool(0.5);
    let ink = rng.gen_range(150..=255u16);
    for gy in 0..7 {
        for gx in 0..5 {
            if !g[gy * 5 + gx] {
                continue;
            }
            for sy in 0..3 {
                for sx in 0..(3 + thick as i32) {
                    let y = 3 + dy + (gy * 3) as i32 + sy;
                    let x = 6 + dx + (gx * 3) as i32 + sx;
                    if (0..WIDTH as i32).contains(&y) && (0..WIDTH as i32).contains(&x) {
                        let v = ink.saturating_sub(rng.gen_range(0..40)) as u8;
                        img[y as usize * WIDTH + x as usize] = v;
                    }
                }
            }
        }
    }
    for p in img.iter_mut() {
        if *p == 0 && rng.gen_bool(0.04) {
            *p = rng.gen_range(1..90);
        }
    }
    img
}

/// `per_class` images of every digit, interleaved by class, from `seed`.
pub fn dataset(seed: u64, per_class: usize) -> Vec<(Vec<u8>, usize)> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..per_class).flat_map(|_| (0..10).collect::<Vec<_>>()).map(|d| (synthetic_digit(d, &mut rng), d)).collect()
}

/// The shape of a network to train.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub bits_per_input: usize,
    pub num_filter_inputs: usize,
    pub num_filter_entries: usize,
    pub num_filter_hashes: usize,
    pub p: u64,
}

/// Trains a network of `shape` on `data`: uniform thermometer thresholds 256·(b+1)/(bits+1), an
/// input order shuffled by `seed`, and every training sample's indexed entries set.
pub fn train(shape: Shape, data: &[(Vec<u8>, usize)], seed: u64) -> WnnModel {
    let num_inputs = WIDTH * WIDTH;
    let bits = num_inputs * shape.bits_per_input;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut input_order: Vec<usize> = (0..bits).collect();
    input_order.shuffle(&mut rng);
    let thresholds = (0..bits).map(|j| ((256 * (j / num_inputs + 1)) / (shape.bits_per_input + 1)) as u16).collect();
    let mut m = WnnModel {
        num_classes: 10,
        num_inputs,
        width: WIDTH,
        bits_per_input: shape.bits_per_input,
        num_filter_inputs: shape.num_filter_inputs,
        num_filter_entries: shape.num_filter_entries,
        num_filter_hashes: shape.num_filter_hashes,
        p: shape.p,
        bloom: vec![],
        thresholds,
        input_order,
    };
    m.bloom = vec![false; 10 * m.num_filters() * m.num_filter_entries];
    for (img, class) in data {
        let xs = m.pack(&m.permute(&m.encode(img)));
        for (f, &x) in xs.iter().enumerate() {
            for e in m.digits(m.hash(x)) {
                let i = (class * m.num_filters() + f) * m.num_filter_entries + e;
                m.bloom[i] = true;
            }
        }
    }
    m
}

/// The bundled example's shape: 2 thermometer bits per pixel, 56 filters of 28 inputs, 64
/// entries, 2 hashes, p = 8191 (a 2^12-row Plonk domain).
pub const EXAMPLE_SHAPE: Shape = Shape { bits_per_input: 2, num_filter_inputs: 28, num_filter_entries: 64, num_filter_hashes: 2, p: 8191 };
/// Seeds of the example's training set, test set and input order.
pub const EXAMPLE_TRAIN_SEED: u64 = 17;
pub const EXAMPLE_TEST_SEED: u64 = 18;
pub const EXAMPLE_ORDER_SEED: u64 = 19;
/// Training images per digit.
pub const EXAMPLE_TRAIN_PER_CLASS: usize = 100;

/// The bundled example model (`host/zkml/examples/wnn/digits_wnn.hdf5`).
pub fn example_model() -> WnnModel {
    train(EXAMPLE_SHAPE, &dataset(EXAMPLE_TRAIN_SEED, EXAMPLE_TRAIN_PER_CLASS), EXAMPLE_ORDER_SEED)
}

/// A model of the given sizes with random contents (seeded): Bloom bits set with probability
/// `density`, thresholds uniform in 0..=256, a random input order. For sizing and for tests of
/// shapes no published model has.
#[allow(clippy::too_many_arguments)]
pub fn random_model(
    num_classes: usize,
    width: usize,
    bits_per_input: usize,
    num_filter_inputs: usize,
    num_filter_entries: usize,
    num_filter_hashes: usize,
    p: u64,
    density: f64,
    seed: u64,
) -> WnnModel {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let num_inputs = width * width;
    let bits = num_inputs * bits_per_input;
    let mut input_order: Vec<usize> = (0..bits).collect();
    input_order.shuffle(&mut rng);
    let num_filters = bits / num_filter_inputs;
    WnnModel {
        num_classes,
        num_inputs,
        width,
        bits_per_input,
        num_filter_inputs,
        num_filter_entries,
        num_filter_hashes,
        p,
        bloom: (0..num_classes * num_filters * num_filter_entries).map(|_| rng.gen_bool(density)).collect(),
        thresholds: (0..bits).map(|_| rng.gen_range(0..=256u16)).collect(),
        input_order,
    }
}

/// The example image (`digit_7.png`): the first 7 of the test set.
pub fn example_digit() -> (Vec<u8>, usize) {
    dataset(EXAMPLE_TEST_SEED, 1).swap_remove(7)
}

/// An 8-bit grayscale PNG of a WIDTH×WIDTH image.
pub fn png_bytes(pixels: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = vec![];
    {
        let mut e = png::Encoder::new(&mut out, WIDTH as u32, WIDTH as u32);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::Eight);
        let mut w = e.write_header()?;
        w.write_image_data(pixels)?;
    }
    Ok(out)
}

/// The fraction of `data` a model classifies right.
pub fn accuracy(m: &WnnModel, data: &[(Vec<u8>, usize)]) -> f64 {
    let right = data.iter().filter(|(img, c)| argmax(&m.scores(img)) == *c).count();
    right as f64 / data.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_are_complete_and_distinct() {
        let gs: Vec<Vec<bool>> = (0..10).map(glyph).collect();
        for (d, g) in gs.iter().enumerate() {
            assert!(g.len() == 35 && FONT[d].iter().all(|r| r.len() == 5) && g.iter().filter(|&&b| b).count() >= 10, "digit {d}");
        }
        for a in 0..10 {
            for b in a + 1..10 {
                assert_ne!(gs[a], gs[b], "{a} and {b}");
            }
        }
    }
}
