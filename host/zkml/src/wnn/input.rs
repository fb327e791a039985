//! The image a WNN classifies: a width×width 8-bit grayscale PNG (its first channel, as the
//! format's reference reads it) or ezkl's input.json with the width² pixel values 0–255 in
//! row-major order (`{"input_data": [[v0, v1, …]]}`).

use std::path::Path;

use crate::error::{Error, Result};

/// Reads the pixels from a `.png` file or an input.json (any other extension is read as JSON).
pub fn load_pixels(path: &Path, width: usize) -> Result<Vec<u8>> {
    let bytes = crate::files::read(path)?;
    let is_png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let r = if is_png { pixels_from_png(&bytes, width) } else { pixels_from_json(&bytes, width) };
    r.map_err(|e| e.context(path.display()))
}

/// Decodes an 8-bit PNG of width×width pixels and returns its first channel (gray, or red).
pub fn pixels_from_png(bytes: &[u8], width: usize) -> Result<Vec<u8>> {
    let bad = |m: String| Error::bad_input(format!("PNG: {m}"));
    let mut decoder = png::Decoder::new(bytes);
    // Palette images become RGB; bit depths below 8 become 8.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| bad(format!("cannot read the header ({e})")))?;
    let (w, h) = (reader.info().width as usize, reader.info().height as usize);
    if w != width || h != width {
        return Err(bad(format!("the image is {w}×{h}, the model needs {width}×{width}")));
    }
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(|e| bad(format!("truncated or corrupt image data ({e})")))?;
    if frame.bit_depth != png::BitDepth::Eight {
        return Err(bad(format!("bit depth {:?}: an 8-bit image is needed", frame.bit_depth)));
    }
    let channels = frame.color_type.samples();
    let data = &buf[..frame.buffer_size()];
    Ok((0..w * h).map(|i| data[(i / w) * frame.line_size + (i % w) * channels]).collect())
}

/// Parses ezkl's input.json: `input_data` holds one list of width² values, each an integer
/// 0–255 (written as an integer or as a float with no fraction).
pub fn pixels_from_json(bytes: &[u8], width: usize) -> Result<Vec<u8>> {
    let bad = |m: String| Error::bad_input(format!("input.json: {m}"));
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON ({e})")))?;
    let data = v.get("input_data").ok_or_else(|| bad("no field input_data".into()))?;
    let list = data.as_array().ok_or_else(|| bad("input_data is not a list".into()))?;
    if list.len() != 1 {
        return Err(bad(format!("input_data holds {} inputs, a WNN takes one image", list.len())));
    }
    let values = list[0].as_array().ok_or_else(|| bad("input_data[0] is not a list of numbers".into()))?;
    let n = width * width;
    if values.len() != n {
        return Err(bad(format!("input_data[0] holds {} values, the model needs {n} ({width}×{width} pixels)", values.len())));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let f = x.as_f64().ok_or_else(|| bad(format!("input_data[0][{i}] is not a number")))?;
            if f.fract() != 0.0 || !(0.0..=255.0).contains(&f) {
                return Err(bad(format!("input_data[0][{i}] = {f} is not an integer pixel value 0–255")));
            }
            Ok(f as u8)
        })
        .collect()
}

/// ezkl's input.json for an image.
pub fn pixels_to_json(pixels: &[u8]) -> String {
    serde_json::json!({ "input_data": [pixels] }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(color: png::ColorType, depth: png::BitDepth, w: u32, h: u32, data: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(color);
            e.set_depth(depth);
            let mut wr = e.write_header().unwrap();
            wr.write_image_data(data).unwrap();
        }
        out
    }

    #[test]
    fn png_gray_and_rgb_give_the_first_channel() {
        let gray: Vec<u8> = (0..16u8).map(|i| i * 13).collect();
        assert_eq!(pixels_from_png(&png_of(png::ColorType::Grayscale, png::BitDepth::Eight, 4, 4, &gray), 4).unwrap(), gray);
        let rgb: Vec<u8> = gray.iter().flat_map(|&g| [g, 255 - g, 7]).collect();
        assert_eq!(pixels_from_png(&png_of(png::ColorType::Rgb, png::BitDepth::Eight, 4, 4, &rgb), 4).unwrap(), gray);
        let ga: Vec<u8> = gray.iter().flat_map(|&g| [g, 9]).collect();
        assert_eq!(pixels_from_png(&png_of(png::ColorType::GrayscaleAlpha, png::BitDepth::Eight, 4, 4, &ga), 4).unwrap(), gray);
    }

    #[test]
    fn bad_pngs_are_errors_not_panics() {
        let gray = vec![5u8; 16];
        let good = png_of(png::ColorType::Grayscale, png::BitDepth::Eight, 4, 4, &gray);
        let e = pixels_from_png(&good, 28).unwrap_err();
        assert!(e.message.contains("4×4") && e.message.contains("28×28"), "{}", e.message);
        for cut in [8, 20, 33, good.len() - 20, good.len() - 13] {
            assert!(pixels_from_png(&good[..cut], 4).is_err(), "cut at {cut}");
        }
        let wide = png_of(png::ColorType::Grayscale, png::BitDepth::Sixteen, 4, 4, &[0u8; 32]);
        assert!(pixels_from_png(&wide, 4).unwrap_err().message.contains("8-bit"));
    }

    #[test]
    fn json_values_are_checked() {
        let px: Vec<u8> = (0..9u8).collect();
        assert_eq!(pixels_from_json(pixels_to_json(&px).as_bytes(), 3).unwrap(), px);
        assert_eq!(pixels_from_json(br#"{"input_data": [[0.0, 1, 2.0, 3, 4, 5, 6, 7, 255]]}"#, 3).unwrap()[8], 255);
        for (text, needle) in [
            (r#"{"input_data": [[0, 1, 2]]}"#, "holds 3 values"),
            (r#"{"input_data": [[0, 1, 2, 3, 4, 5, 6, 7, 256]]}"#, "input_data[0][8]"),
            (r#"{"input_data": [[0, 1, 2, 3, 4, 5, 6, 7, 1.5]]}"#, "input_data[0][8]"),
            (r#"{"input_data": [[0, 1, 2, 3, 4, 5, 6, -1, 1]]}"#, "input_data[0][7]"),
            (r#"{"input_data": [[0, 1, 2, 3, 4, 5, 6, "a", 1]]}"#, "input_data[0][7]"),
            (r#"{"data": []}"#, "no field input_data"),
            (r#"{"input_data": [[0"#, "not JSON"),
        ] {
            let e = pixels_from_json(text.as_bytes(), 3).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
    }
}
