//! Makes the bundled WNN example: trains the example network on the generated digits
//! (`zkaccel_zkml::wnn::train`) and writes, into the folder given (default
//! `host/zkml/examples/wnn`), the model `digits_wnn.hdf5`, one test digit as `digit_7.png` and as
//! `digit_7_input.json`, and prints the test accuracy.
//!
//! `cargo run --release -p zkaccel-zkml --example wnn_train [-- OUT_DIR]`
//!
//! The test `wnn_example` checks that the committed files are what this produces.

use std::path::PathBuf;

use zkaccel_zkml::wnn::{hdf5, input, train};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/wnn"));
    std::fs::create_dir_all(&dir)?;
    let model = train::example_model();
    std::fs::write(dir.join("digits_wnn.hdf5"), hdf5::to_bytes(&model)?)?;
    let (img, class) = train::example_digit();
    std::fs::write(dir.join("digit_7.png"), train::png_bytes(&img)?)?;
    std::fs::write(dir.join("digit_7_input.json"), input::pixels_to_json(&img))?;
    let test = train::dataset(train::EXAMPLE_TEST_SEED, 30);
    println!(
        "wrote {} (test accuracy {:.1} % on {} generated digits; the example digit is a {class}, scores {:?})",
        dir.display(),
        100.0 * train::accuracy(&model, &test),
        test.len(),
        model.scores(&img)
    );
    Ok(())
}
