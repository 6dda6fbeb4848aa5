//! QR codes as PNG images, like Klarna's `qr_code_url`.

use qrcode::{Color, QrCode};

const PIXELS_PER_MODULE: usize = 8;
const QUIET_ZONE_MODULES: usize = 4;

/// Encodes `text` as a black-on-white PNG with the standard quiet zone.
pub fn png(text: &str) -> Result<Vec<u8>, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| e.to_string())?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE_MODULES) * PIXELS_PER_MODULE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (index % modules + QUIET_ZONE_MODULES, index / modules + QUIET_ZONE_MODULES);
        for row in 0..PIXELS_PER_MODULE {
            let start = (y * PIXELS_PER_MODULE + row) * side + x * PIXELS_PER_MODULE;
            pixels[start..start + PIXELS_PER_MODULE].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&pixels).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn makes_a_square_png_with_dark_modules() {
        let bytes = super::png("https://example.test/pay/abc").unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        assert_eq!(info.width, info.height);
        assert!(buffer.contains(&0) && buffer.contains(&255));
        // The top-left finder pattern starts right after the quiet zone.
        let side = info.width as usize;
        let first_dark = 4 * 8;
        assert_eq!(buffer[first_dark * side + first_dark], 0);
        assert_eq!(buffer[0], 255);
    }
}
