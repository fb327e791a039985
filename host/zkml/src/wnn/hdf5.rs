//! The WNN model file (HDF5, the layout of Zero Gravity's BTHOWeN models): read with the
//! pure-Rust `hdf5-pure` crate (no C libhdf5), written the same way for generated models.
//!
//! * file attributes (integer scalars): `num_classes`, `num_inputs`, `bits_per_input`,
//!   `num_filter_inputs`, `num_filter_entries`, `num_filter_hashes`, `p`;
//! * `bloom_filters`: bool (h5py's enum {FALSE = 0, TRUE = 1} over int8; a 1-byte integer with
//!   values 0/1 is accepted too), shape (num_classes, num_filters, num_filter_entries);
//! * `binarization_thresholds`: float32, shape (width, width, bits_per_input);
//! * `input_order`: unsigned (or non-negative signed) integers, shape (num_inputs·bits_per_input).
//!
//! Every failure is an error naming the file and the field; a malformed file never panics (the
//! parser runs under `catch_unwind` as a second line of defence, and the tests feed it truncated
//! and corrupted copies of a real model). Nothing is allocated from a size the file merely claims:
//! the attributes are checked against the model's and the circuit's limits, and every dataset's
//! shape against the attributes and its byte size against the file's length, before any dataset
//! is read (`catch_unwind` cannot catch an allocation failure, which aborts the process).

use std::collections::HashMap;
use std::path::Path;

use hdf5_pure::{AttrValue, Datatype};

use super::circuit::MAX_LIMB_BITS;
use super::model::{integer_threshold, WnnModel};
use crate::error::{Error, Result};

/// The attribute names, in the order the format lists them.
pub const ATTRIBUTES: [&str; 7] = ["num_classes", "num_inputs", "bits_per_input", "num_filter_inputs", "num_filter_entries", "num_filter_hashes", "p"];

/// Most classes the WNN circuit supports (`WnnPlan::new`: a Bloom table row packs one bit per
/// class into a field element); a model file with more is refused before its datasets are read.
pub const MAX_CLASSES: usize = 250;
/// Most pixels a model may have (2^24).
pub const MAX_INPUTS: usize = 1 << 24;

/// Reads and validates a model file.
pub fn load(path: &Path) -> Result<WnnModel> {
    let bytes = crate::files::read(path)?;
    from_bytes(bytes, &path.display().to_string())
}

/// Parses a model from the bytes of an HDF5 file; `what` names it in errors.
pub fn from_bytes(bytes: Vec<u8>, what: &str) -> Result<WnnModel> {
    let what = what.to_string();
    let w2 = what.clone();
    // hdf5-pure returns errors for the malformed files we tried; a panic inside the parser on
    // some other corruption is still reported as an error, not a crash.
    let parsed = std::panic::catch_unwind(move || parse(bytes, &w2));
    let model = parsed.unwrap_or_else(|_| Err(Error::bad_input(format!("{what}: malformed HDF5 file (the parser failed)"))))?;
    model.validate(&what)?;
    Ok(model)
}

fn parse(bytes: Vec<u8>, what: &str) -> Result<WnnModel> {
    let bad = |field: &str, why: String| Error::bad_input(format!("{what}: {field}: {why}"));
    if !hdf5_pure::is_hdf5_bytes(&bytes) {
        return Err(Error::bad_input(format!("{what}: not an HDF5 file (no HDF5 signature)")));
    }
    let file_len = bytes.len() as u64;
    let file = hdf5_pure::File::from_bytes(bytes).map_err(|e| Error::bad_input(format!("{what}: malformed or truncated HDF5 file ({e})")))?;
    let attrs = file.root().attrs().map_err(|e| bad("attributes", format!("cannot be read ({e})")))?;
    let attr = |name: &str| -> Result<usize> {
        let v = attrs.get(name).ok_or_else(|| bad(name, "missing file attribute".into()))?;
        let i = integer_attr(v).ok_or_else(|| bad(name, format!("not an integer scalar ({v:?})")))?;
        usize::try_from(i).map_err(|_| bad(name, format!("{i} is negative")))
    };
    let num_classes = attr("num_classes")?;
    let num_inputs = attr("num_inputs")?;
    let bits_per_input = attr("bits_per_input")?;
    let num_filter_inputs = attr("num_filter_inputs")?;
    let num_filter_entries = attr("num_filter_entries")?;
    let num_filter_hashes = attr("num_filter_hashes")?;
    let p = attr("p")? as u64;
    // Sizes are checked before anything is computed or allocated from them (no overflow): first
    // the attributes, against the model's own limits (`WnnModel::validate_attributes`) and the
    // circuit's; then every dataset's shape, datatype and byte size (no larger than the file: the
    // reader would otherwise allocate what the file merely claims, e.g. the fill value of a
    // dataset whose storage was never written); only then is any dataset read.
    if num_inputs == 0 || num_inputs > MAX_INPUTS {
        return Err(bad("num_inputs", format!("{num_inputs} is outside 1..=2^24")));
    }
    let width = (num_inputs as f64).sqrt().round() as usize;
    if width * width != num_inputs {
        return Err(bad("num_inputs", format!("{num_inputs} is not a square (width × width image)")));
    }
    let head = WnnModel {
        num_classes,
        num_inputs,
        width,
        bits_per_input,
        num_filter_inputs,
        num_filter_entries,
        num_filter_hashes,
        p,
        bloom: vec![],
        thresholds: vec![],
        input_order: vec![],
    };
    head.validate_attributes(what)?;
    if num_classes > MAX_CLASSES {
        return Err(bad(
            "num_classes",
            format!("{num_classes} classes, the WNN circuit supports at most {MAX_CLASSES} (a Bloom table row packs one bit per class into a field element)"),
        ));
    }
    if head.entry_bits() > MAX_LIMB_BITS {
        return Err(bad(
            "num_filter_entries",
            format!("{num_filter_entries} = 2^{} entries per filter, the WNN circuit supports at most 2^{MAX_LIMB_BITS}", head.entry_bits()),
        ));
    }
    let num_filters = head.num_filters();
    let num_bits = head.num_input_bits();

    let dataset = |name: &str| file.dataset(name).map_err(|e| bad(name, format!("missing or unreadable dataset ({e})")));
    // The shape the attributes imply, and a size the file can hold (elements and chunks).
    let check_shape = |name: &str, ds: &hdf5_pure::Dataset, want: &[usize]| -> Result<()> {
        let shape = ds.shape().map_err(|e| bad(name, format!("unreadable shape ({e})")))?;
        if shape.len() != want.len() || shape.iter().zip(want).any(|(&a, &b)| a != b as u64) {
            return Err(bad(name, format!("shape {shape:?}, the attributes imply {want:?}")));
        }
        let elem = ds.element_size().map_err(|e| bad(name, format!("unreadable datatype ({e})")))?;
        let bytes = |dims: &[u64]| dims.iter().try_fold(elem as u128, |acc, &d| acc.checked_mul(d as u128)).filter(|&b| b <= file_len as u128);
        if bytes(&shape).is_none() {
            return Err(bad(
                name,
                format!("shape {shape:?} of {elem}-byte elements is more data than the whole file holds ({file_len} bytes): the file is not a model"),
            ));
        }
        let chunk = ds.chunk_shape().map_err(|e| bad(name, format!("unreadable chunk shape ({e})")))?;
        if let Some(chunk) = chunk.filter(|c| bytes(c).is_none()) {
            return Err(bad(name, format!("chunks of shape {chunk:?} of {elem}-byte elements are larger than the whole file ({file_len} bytes)")));
        }
        Ok(())
    };

    let bloom_ds = dataset("bloom_filters")?;
    check_shape("bloom_filters", &bloom_ds, &[num_classes, num_filters, num_filter_entries])?;
    let dt = bloom_ds.datatype().map_err(|e| bad("bloom_filters", format!("unreadable datatype ({e})")))?;
    if !is_one_byte_bool(&dt) {
        return Err(bad("bloom_filters", format!("datatype {dt:?} is not bool (a 1-byte enum or integer)")));
    }
    let thresholds_ds = dataset("binarization_thresholds")?;
    check_shape("binarization_thresholds", &thresholds_ds, &[width, width, bits_per_input])?;
    let order_ds = dataset("input_order")?;
    check_shape("input_order", &order_ds, &[num_bits])?;

    // bloom_filters: bool.
    let ds = bloom_ds;
    let raw = ds.read_raw().map_err(|e| bad("bloom_filters", format!("cannot be read ({e})")))?;
    let count = num_classes * num_filters * num_filter_entries;
    if raw.len() != count {
        return Err(bad("bloom_filters", format!("{} bytes of data, the shape needs {count} (truncated?)", raw.len())));
    }
    if let Some(i) = raw.iter().position(|&b| b > 1) {
        return Err(bad("bloom_filters", format!("value {} at element {i} is not 0 or 1", raw[i])));
    }
    let bloom: Vec<bool> = raw.iter().map(|&b| b == 1).collect();

    // binarization_thresholds: float32 in [0, 1].
    let ds = thresholds_ds;
    let t = ds.read_f32().map_err(|e| bad("binarization_thresholds", format!("not readable as float32 ({e})")))?;
    if t.len() != num_inputs * bits_per_input {
        return Err(bad("binarization_thresholds", format!("{} values, the shape needs {} (truncated?)", t.len(), num_inputs * bits_per_input)));
    }
    // Stored as (i, j, b); the encoded bits are b-major: index b·num_inputs + i·width + j.
    let mut thresholds = vec![0u16; num_inputs * bits_per_input];
    for (k, &v) in t.iter().enumerate() {
        let (pixel, b) = (k / bits_per_input, k % bits_per_input);
        thresholds[b * num_inputs + pixel] =
            integer_threshold(v).ok_or_else(|| bad("binarization_thresholds", format!("element {k} is NaN")))?;
    }

    // input_order: a permutation of the input bits.
    let ds = order_ds;
    let order: Vec<u64> = match ds.read_u64() {
        Ok(v) => v,
        Err(_) => ds
            .read_i64()
            .map_err(|e| bad("input_order", format!("not readable as integers ({e})")))?
            .into_iter()
            .map(|v| u64::try_from(v).unwrap_or(u64::MAX))
            .collect(),
    };
    if order.len() != num_inputs * bits_per_input {
        return Err(bad("input_order", format!("{} values, the shape needs {} (truncated?)", order.len(), num_inputs * bits_per_input)));
    }
    let input_order = order.into_iter().map(|v| usize::try_from(v).unwrap_or(usize::MAX)).collect();

    Ok(WnnModel { num_classes, num_inputs, width, bits_per_input, num_filter_inputs, num_filter_entries, num_filter_hashes, p, bloom, thresholds, input_order })
}

fn integer_attr(v: &AttrValue) -> Option<i128> {
    Some(match v {
        AttrValue::I64(x) => *x as i128,
        AttrValue::I32(x) => *x as i128,
        AttrValue::I16(x) => *x as i128,
        AttrValue::I8(x) => *x as i128,
        AttrValue::U64(x) => *x as i128,
        AttrValue::U32(x) => *x as i128,
        AttrValue::U16(x) => *x as i128,
        AttrValue::U8(x) => *x as i128,
        AttrValue::I64Array(a) if a.len() == 1 => a[0] as i128,
        _ => return None,
    })
}

fn is_one_byte_bool(dt: &Datatype) -> bool {
    match dt {
        Datatype::Enumeration { base_type, .. } => matches!(**base_type, Datatype::FixedPoint { size: 1, .. }),
        Datatype::FixedPoint { size: 1, .. } => true,
        _ => false,
    }
}

/// Writes a model in the format (h5py's conventions: int64 attributes, bool as an enum over int8,
/// float32 thresholds, uint64 input order). Thresholds are written as t = T/255, which reads back
/// as the integer threshold T (`integer_threshold(T/255) = T` for every T in 0..=256).
pub fn to_bytes(m: &WnnModel) -> Result<Vec<u8>> {
    let err = |e: hdf5_pure::Error| Error::internal(format!("writing the HDF5 model: {e}"));
    let mut b = hdf5_pure::FileBuilder::new();
    let values: HashMap<&str, usize> = HashMap::from([
        ("num_classes", m.num_classes),
        ("num_inputs", m.num_inputs),
        ("bits_per_input", m.bits_per_input),
        ("num_filter_inputs", m.num_filter_inputs),
        ("num_filter_entries", m.num_filter_entries),
        ("num_filter_hashes", m.num_filter_hashes),
        ("p", m.p as usize),
    ]);
    for name in ATTRIBUTES {
        b.set_attr(name, AttrValue::I64(values[name] as i64));
    }
    let bool_type = hdf5_pure::EnumTypeBuilder::with_base(hdf5_pure::make_i8_type())
        .value("FALSE", 0)
        .value("TRUE", 1)
        .build()
        .map_err(|e| Error::internal(format!("the bool enum type: {e}")))?;
    let bits: Vec<u8> = m.bloom.iter().map(|&x| x as u8).collect();
    b.create_dataset("bloom_filters")
        .with_enum_u8_data(bool_type, &bits)
        .with_shape(&[m.num_classes as u64, m.num_filters() as u64, m.num_filter_entries as u64]);
    let mut t = vec![0f32; m.num_input_bits()];
    for (k, v) in t.iter_mut().enumerate() {
        let (pixel, bit) = (k / m.bits_per_input, k % m.bits_per_input);
        *v = m.thresholds[bit * m.num_inputs + pixel] as f32 / 255.0;
    }
    b.create_dataset("binarization_thresholds").with_f32_data(&t).with_shape(&[m.width as u64, m.width as u64, m.bits_per_input as u64]);
    let order: Vec<u64> = m.input_order.iter().map(|&v| v as u64).collect();
    b.create_dataset("input_order").with_u64_data(&order);
    b.finish().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_thresholds_read_back_exactly() {
        for t in 0..=256u16 {
            assert_eq!(integer_threshold(t as f32 / 255.0), Some(t), "T = {t}");
        }
    }
}
