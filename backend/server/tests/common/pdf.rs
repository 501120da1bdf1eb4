//! Small real PDFs, built with lopdf.

use lopdf::{Document, Object, Stream, dictionary};

/// A one-page PDF; `extra` may add objects and catalogue entries.
pub fn pdf_with(extra: impl FnOnce(&mut Document, &mut lopdf::Dictionary)) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(dictionary! {}, b"BT ET".to_vec()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    extra(&mut doc, &mut catalog);
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A valid one-page PDF, a few hundred bytes, whose bytes differ by `tag`.
pub fn pdf(tag: &str) -> Vec<u8> {
    let tag = tag.to_owned();
    pdf_with(move |_, catalog| {
        catalog.set("Lang", Object::string_literal(tag));
    })
}
