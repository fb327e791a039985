//! ezkl's `input.json`: `{"input_data": [[x, x, …], …]}` — one flat list of numbers per model
//! input. For calibration data a list may hold several samples back to back (its length a
//! multiple of the input's size), as ezkl's `calibrate-settings` accepts.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::tensor::{numel, Tensor};

/// The parsed contents of an `input.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct InputData {
    /// One flat list of values per model input.
    pub input_data: Vec<Vec<f64>>,
    /// ezkl's optional `output_data`, when present (same layout).
    pub output_data: Option<Vec<Vec<f64>>>,
}

/// Appends the numbers of `v` to `out` and returns its nesting shape ([] for a number).
fn numbers(v: &Value, path: &str, out: &mut Vec<f64>) -> Result<Vec<usize>> {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().ok_or_else(|| Error::InputData(format!("{path}: {n} is not representable as f64")))?;
            out.push(x);
            Ok(Vec::new())
        }
        // Nested lists (a tensor written with its shape) are flattened row-major; a ragged one
        // (siblings of different lengths or depths) is not a tensor and is refused.
        Value::Array(items) => {
            let mut first: Option<Vec<usize>> = None;
            for (i, item) in items.iter().enumerate() {
                let shape = numbers(item, &format!("{path}[{i}]"), out)?;
                match &first {
                    None => first = Some(shape),
                    Some(f) if *f != shape => {
                        return Err(Error::InputData(format!(
                            "{path}: a ragged nested list ({path}[{i}] has shape {shape:?}, {path}[0] has {f:?}): give a flat list or a tensor's nested lists"
                        )))
                    }
                    Some(_) => {}
                }
            }
            let mut shape = vec![items.len()];
            shape.extend(first.unwrap_or_default());
            Ok(shape)
        }
        other => Err(Error::InputData(format!("{path}: expected a number, found {}", describe(other)))),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "an array".into(),
        Value::Number(n) => format!("the number {n}"),
    }
}

/// The keys of a JSON object in file order, repeats kept.
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> std::result::Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    m.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

fn lists(doc: &Value, key: &str) -> Result<Option<Vec<Vec<f64>>>> {
    let Some(v) = doc.get(key) else { return Ok(None) };
    let Value::Array(inputs) = v else {
        return Err(Error::InputData(format!("{key}: expected a list of lists of numbers, found {}", describe(v))));
    };
    let mut res = Vec::with_capacity(inputs.len());
    for (i, inp) in inputs.iter().enumerate() {
        if !inp.is_array() {
            return Err(Error::InputData(format!("{key}[{i}]: expected a list of numbers, found {}", describe(inp))));
        }
        let mut flat = Vec::new();
        numbers(inp, &format!("{key}[{i}]"), &mut flat)?;
        res.push(flat);
    }
    Ok(Some(res))
}

impl InputData {
    /// Parses the text of an `input.json`.
    pub fn parse(text: &str) -> Result<Self> {
        let doc: Value = serde_json::from_str(text).map_err(|e| Error::InputData(format!("not valid JSON: {e}")))?;
        if !doc.is_object() {
            return Err(Error::InputData(format!("expected an object with \"input_data\", found {}", describe(&doc))));
        }
        // serde_json keeps the last of repeated keys: a repeated field would silently hide data.
        let Keys(keys) = serde_json::from_str(text).map_err(|e| Error::InputData(format!("not valid JSON: {e}")))?;
        for key in ["input_data", "output_data"] {
            if keys.iter().filter(|k| *k == key).count() > 1 {
                return Err(Error::InputData(format!("duplicate field \"{key}\"")));
            }
        }
        let input_data = lists(&doc, "input_data")?.ok_or_else(|| Error::InputData("missing field \"input_data\"".into()))?;
        if input_data.is_empty() {
            return Err(Error::InputData("\"input_data\" is empty".into()));
        }
        Ok(Self { input_data, output_data: lists(&doc, "output_data")? })
    }

    /// Reads and parses an `input.json` file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = read_text_file(path)?;
        Self::parse(&text).map_err(|e| Error::InputData(format!("{}: {e}", path.display())))
    }

    /// Serialises in ezkl's format.
    pub fn to_json(&self) -> String {
        let mut doc = serde_json::json!({ "input_data": self.input_data });
        if let Some(o) = &self.output_data {
            doc["output_data"] = serde_json::json!(o);
        }
        doc.to_string()
    }

    /// The single sample held, as tensors in the graph's input shapes. Errors when the number of
    /// inputs or the length of one differs from the model's.
    pub fn to_tensors(&self, graph: &Graph) -> Result<Vec<Tensor<f64>>> {
        let mut samples = self.samples(graph)?;
        if samples.len() != 1 {
            return Err(Error::InputData(format!(
                "expected one sample, the data holds {} (input {:?} needs {} values)",
                samples.len(),
                graph.inputs[0].name,
                numel(&graph.inputs[0].shape)
            )));
        }
        Ok(samples.remove(0))
    }

    /// All samples held (each list may hold k samples back to back; k must agree across inputs).
    pub fn samples(&self, graph: &Graph) -> Result<Vec<Vec<Tensor<f64>>>> {
        if self.input_data.len() != graph.inputs.len() {
            return Err(Error::InputData(format!(
                "the model has {} input(s), \"input_data\" holds {}",
                graph.inputs.len(),
                self.input_data.len()
            )));
        }
        let mut k = None;
        for (i, (list, info)) in self.input_data.iter().zip(&graph.inputs).enumerate() {
            let n = numel(&info.shape);
            if list.is_empty() || list.len() % n != 0 {
                return Err(Error::InputData(format!(
                    "input_data[{i}] has {} values; input {:?} of shape {:?} needs {n} (or a multiple, for several samples)",
                    list.len(),
                    info.name,
                    info.shape
                )));
            }
            let ki = list.len() / n;
            if *k.get_or_insert(ki) != ki {
                return Err(Error::InputData(format!(
                    "input_data[{i}] holds {ki} samples but input_data[0] holds {}",
                    k.unwrap_or(0)
                )));
            }
        }
        let k = k.unwrap_or(0);
        let mut out = Vec::with_capacity(k);
        for s in 0..k {
            let mut sample = Vec::with_capacity(graph.inputs.len());
            for (list, info) in self.input_data.iter().zip(&graph.inputs) {
                let n = numel(&info.shape);
                sample.push(Tensor { shape: info.shape.clone(), data: list[s * n..(s + 1) * n].to_vec() });
            }
            graph.check_inputs(&sample)?;
            out.push(sample);
        }
        Ok(out)
    }
}

/// Reads a whole input file: a regular file only (a device such as /dev/zero or a FIFO would be
/// read without end).
pub(crate) fn read_regular_file(path: &Path) -> Result<Vec<u8>> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")));
    }
    std::fs::read(path).map_err(io)
}

/// [`read_regular_file`] as UTF-8 text.
pub(crate) fn read_text_file(path: &Path) -> Result<String> {
    String::from_utf8(read_regular_file(path)?)
        .map_err(|e| Error::Io { path: path.to_owned(), source: std::io::Error::new(std::io::ErrorKind::InvalidData, e) })
}
