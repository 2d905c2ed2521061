//! The web pages: over plain HTTP (CSRF refusals, sessions and their expiry on the shared clock,
//! media Range requests, privacy enforcement, the inbox posting form, views/likes/comments, the
//! developer portal, the operator's admin view, consent with a web session) and in a real headless
//! Chromium.
mod browser;
mod connected_apps;
mod csrf;
mod csrf_binding;
mod engagement;
mod headers;
mod inbox;
mod media;
mod moderation;
mod portal;
mod redirects;
mod renditions;
mod sessions;
mod settings;
mod signin_limits;

use reelbox_testkit::World;
use serde_json::json;

async fn bob(w: &World) {
    w.s.create_creator(json!({"username": "bob", "password": "bob password", "nickname": "Bob"}))
        .await;
}

/// The texts of the QR codes in a PNG (a served code image or a screenshot).
pub fn decode_qr(png_bytes: &[u8]) -> Vec<String> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let grey = |x: usize, y: usize| {
        let p = &buf[(y * w + x) * channels..][..channels];
        match channels {
            1 | 2 => p[0],
            _ => {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                    as u8
            }
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, grey);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}
