//! Rendering with the system's Noto CJK fonts (Debian `fonts-noto-cjk`), read back with
//! poppler-utils and zbar-tools: the Chinese name is text, the QR code decodes to the
//! verification URL, hostile names print verbatim, a batch is one page per certificate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use skillcert_certpdf::{FontError, PrintedCertificate, Renderer, inspect, verification_url};

const FONT_DIR: &str = "/usr/share/fonts/opentype/noto";

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::from_dir(FONT_DIR).expect("fonts-noto-cjk installed"))
}

fn certificate(name: &str, number: &str) -> PrintedCertificate {
    PrintedCertificate {
        number: number.to_owned(),
        name: name.to_owned(),
        id_type: "居民身份证".to_owned(),
        id_number_masked: "410105********123X".to_owned(),
        occupation: "4-01-02-01 电子商务师".to_owned(),
        work_type: Some("网商".to_owned()),
        level: "五级/初级工".to_owned(),
        institution: "河南省测试职业培训学校".to_owned(),
        issue_date: "2026年3月12日".to_owned(),
        verify_url: verification_url("https://zs.example.cn/", number, "7K3M9QXA"),
        key_id: "0123456789abcdef".to_owned(),
        revoked: false,
    }
}

/// `pdftotext -layout` keeps a line's characters; drop spaces it inserts for justification.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn loads_only_the_template_faces() {
    let r = renderer();
    assert_eq!(
        r.faces(),
        ["Noto Serif CJK SC 400", "Noto Serif CJK SC 700"]
    );
    // The two Serif collections, not the Sans ones.
    assert!(r.font_bytes() < 60_000_000, "{}", r.font_bytes());
}

#[test]
fn finds_the_faces_from_the_table_directories() {
    let faces = skillcert_certpdf::find_faces(FONT_DIR).unwrap();
    let found: Vec<_> = faces
        .iter()
        .map(|f| {
            (
                f.path.file_name().unwrap().to_str().unwrap().to_owned(),
                f.index,
                f.weight,
            )
        })
        .collect();
    // Collection order JP, KR, SC, TC, HK: SC is face 2.
    assert_eq!(
        found,
        [
            ("NotoSerifCJK-Regular.ttc".to_owned(), 2, 400),
            ("NotoSerifCJK-Bold.ttc".to_owned(), 2, 700)
        ]
    );
}

#[test]
fn missing_fonts_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Renderer::from_dir(dir.path()),
        Err(FontError::Missing(_))
    ));
    assert!(matches!(
        Renderer::from_dir(dir.path().join("nope")),
        Err(FontError::Dir { .. })
    ));
}

#[test]
fn chinese_text_and_qr_code() {
    let number = "S000041410101265000001";
    let pdf = renderer().render(&certificate("张三丰", number)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(inspect::pages(&pdf).unwrap(), 1);
    let text = squeezed(&inspect::text(&pdf).unwrap());
    for expected in [
        "职业技能等级证书",
        "张三丰",
        "居民身份证",
        "410105********123X",
        "电子商务师（网商）",
        "五级/初级工",
        number,
        "河南省测试职业培训学校",
        "2026年3月12日",
        "0123456789abcdef",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains("已撤销"));
    assert_eq!(
        inspect::qr_codes(&pdf, 1).unwrap(),
        [format!(
            "https://zs.example.cn/public/certificates?number={number}&code=7K3M9QXA"
        )]
    );
}

#[test]
fn hostile_names_print_verbatim() {
    for name in [
        r#"#panic("x") [*b*] "q" \ $x^2$ <l> @ref // c"#,
        "#{ 1 + 1 }",
        "王`raw` _小_ 明 = 标题",
        r"\u{1F600} #set text(red)",
    ] {
        let pdf = renderer()
            .render(&certificate(name, "Y000041410101265000002"))
            .unwrap();
        let text = squeezed(&inspect::text(&pdf).unwrap());
        assert!(text.contains(&squeezed(name)), "{name:?} not in {text}");
    }
}

#[test]
fn no_work_type_and_revoked_mark() {
    let mut c = certificate("李四", "Y000041410101265000003");
    c.work_type = None;
    c.revoked = true;
    let pdf = renderer().render(&c).unwrap();
    let text = squeezed(&inspect::text(&pdf).unwrap());
    assert!(text.contains("4-01-02-01电子商务师"), "{text}");
    assert!(!text.contains("（网商）"));
    assert!(text.contains("已撤销"));
}

#[test]
fn batch_is_one_page_each_in_order() {
    let certs: Vec<_> = (1..=3)
        .map(|i| certificate(&format!("学员{i}"), &format!("S00004141010126500000{i}")))
        .collect();
    let pdf = renderer().render_batch(&certs).unwrap();
    assert_eq!(inspect::pages(&pdf).unwrap(), 3);
    let text = inspect::text(&pdf).unwrap();
    let pages: Vec<_> = text.split('\u{c}').map(squeezed).collect();
    for (i, c) in certs.iter().enumerate() {
        assert!(pages[i].contains(&c.name), "page {i}: {}", pages[i]);
    }
    assert_eq!(
        inspect::qr_codes(&pdf, 3).unwrap(),
        [certs[2].verify_url.clone()]
    );
    assert!(matches!(
        renderer().render_batch(&[]),
        Err(skillcert_certpdf::RenderError::Empty)
    ));
}

/// A batch printed as several typst documents merged into one PDF: every page, in order, with
/// its text and QR code.
#[test]
fn a_batch_of_several_documents_is_merged_in_order() {
    let certs: Vec<_> = (1..=5)
        .map(|i| certificate(&format!("学员{i}"), &format!("S00004141010126500000{i}")))
        .collect();
    let pdf = renderer().render_batch_by(&certs, 2).unwrap();
    assert_eq!(inspect::pages(&pdf).unwrap(), 5);
    let text = inspect::text(&pdf).unwrap();
    let pages: Vec<_> = text.split('\u{c}').map(squeezed).collect();
    for (i, c) in certs.iter().enumerate() {
        assert!(pages[i].contains(&c.name), "page {i}: {}", pages[i]);
        assert!(pages[i].contains(&c.number), "page {i}: {}", pages[i]);
    }
    assert_eq!(
        inspect::qr_codes(&pdf, 4).unwrap(),
        [certs[3].verify_url.clone()]
    );
    // One document's worth is not merged at all.
    let one = renderer().render_batch_by(&certs[..2], 2).unwrap();
    assert_eq!(inspect::pages(&one).unwrap(), 2);
}

#[test]
fn renders_from_several_threads() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let r = renderer().clone();
            std::thread::spawn(move || {
                let c = certificate(&format!("并发{i}"), "S000041410101265000009");
                let text = squeezed(&inspect::text(&r.render(&c).unwrap()).unwrap());
                assert!(text.contains(&format!("并发{i}")));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn verification_url_form() {
    assert_eq!(
        verification_url(
            "http://127.0.0.1:8080",
            "S000041410101265000001",
            "7K3M9QXA"
        ),
        "http://127.0.0.1:8080/public/certificates?number=S000041410101265000001&code=7K3M9QXA"
    );
    assert_eq!(
        verification_url("https://a.cn/x/", "A B", "c&d"),
        "https://a.cn/x/public/certificates?number=A%20B&code=c%26d"
    );
}
